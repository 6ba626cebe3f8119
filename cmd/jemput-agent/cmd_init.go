package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/atrest"
)

func cmdInit(ctx context.Context, s stdio, args []string) error {
	var c common
	var officer string
	fs := newFlags(s, "init", "", "Creates the encrypted store for this laptop in --data. The passphrase protects every\nrecord on the disk: there is no way to recover it, so keep it safe.", &c, false)
	fs.StringVar(&officer, "officer", s.Getenv("JEMPUT_OFFICER"), "the officer's name, written on every record (env JEMPUT_OFFICER)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("init takes no arguments, got %q", pos[0])
	}
	if initialized(ctx, c.data) {
		return fmt.Errorf("a store already exists in %s; nothing was changed", c.data)
	}
	pass, err := passphrase(s, true)
	if err != nil {
		return err
	}
	if len([]rune(string(pass))) < MinPassphrase {
		return fmt.Errorf("passphrase too short: use at least %d characters; nothing was created", MinPassphrase)
	}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", c.data, err)
	}
	// Init must finish even if Ctrl-C arrives during the key derivation: a
	// half-made store is harmless (init runs again over it) but confusing.
	ctx = context.WithoutCancel(ctx)
	db, err := store.Open(ctx, dbPath(c.data))
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.Init(ctx, store.InitParams{Passphrase: pass, Argon: atrest.DefaultParams(), Officer: officer, Now: time.Now()})
	if errors.Is(err, store.ErrAlreadyInitialized) {
		return fmt.Errorf("a store already exists in %s; nothing was changed", c.data)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "Created an encrypted store in %s.\nKeep the passphrase safe: without it the records cannot be read by anyone.\n", c.data)
	return nil
}

// initialized reports whether dir holds a store with its key. A file left
// by an interrupted init does not count: init completes it.
func initialized(ctx context.Context, dir string) bool {
	if _, err := os.Stat(dbPath(dir)); err != nil {
		return false
	}
	db, err := store.Open(ctx, dbPath(dir))
	if err != nil {
		return true // something is there; refuse rather than overwrite it
	}
	defer db.Close()
	ok, err := db.Initialized(ctx)
	return ok || err != nil
}
