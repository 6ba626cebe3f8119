package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/wilayah"
	"github.com/jemputbola/jemput/syncproto"
)

const initHelp = `Creates the hub in DIR: its signing and sealing keys (hub.key, readable only by this account)
and its database (hub.db). Run once; an existing hub is never overwritten.`

func cmdInit(ctx context.Context, s stdio, args []string) error {
	var c common
	fs := newFlags(s, "init", "", initHelp, &c, true)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if exists(keyPath(c.data)) {
		return fmt.Errorf("a hub already exists in %s (its key would be lost: nothing was changed)", c.data)
	}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return err
	}
	id, err := syncproto.NewIdentity(rand.Reader)
	if err != nil {
		return err
	}
	b, err := id.MarshalBinary()
	if err != nil {
		return err
	}
	// Write the key under a temporary name and rename: a crash never leaves
	// half a key that a second init would refuse to replace.
	tmp := keyPath(c.data) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, dbPath(c.data))
	if err != nil {
		return err
	}
	st.Close()
	if err := os.Rename(tmp, keyPath(c.data)); err != nil {
		return err
	}
	fp := id.Public().SignFingerprint()
	// The first admin, when a password is given (DESIGN: init makes "admin").
	admin := ""
	if pw := s.Getenv("JEMPUT_ADMIN_PASSWORD"); pw != "" {
		sess, err := open(ctx, c.data, nil)
		if err != nil {
			return err
		}
		_, err = sess.hub.AddUser(hub.WithActor(ctx, "cli:init"), "admin", hub.RoleAdmin, "", pw)
		sess.Close()
		if err != nil {
			return fmt.Errorf("hub created, but the admin account was not: %w (add it with jemput-hub user add)", err)
		}
		admin = "admin"
	}
	if c.json {
		return writeJSON(s.Out, map[string]string{"data": c.data, "key_fingerprint": fp.String(), "admin": admin})
	}
	fmt.Fprintf(s.Out, "Hub created in %s\nKey fingerprint: %s\n", c.data, fp)
	if admin != "" {
		fmt.Fprintln(s.Out, "Web login: admin (password from JEMPUT_ADMIN_PASSWORD)")
	} else {
		fmt.Fprintf(s.Out, "No web account yet: jemput-hub user add --data %s --name NAME --role admin\n", c.data)
	}
	fmt.Fprintf(s.Out, "Next: jemput-hub device code --data %s --officer NAME, then jemput-hub serve --data %s\n", c.data, c.data)
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// session is an opened hub for one command.
type session struct {
	store *sqlite.Store
	hub   *hub.Hub
}

func (s *session) Close() error { return s.store.Close() }

func open(ctx context.Context, dir string, log *slog.Logger) (*session, error) {
	b, err := os.ReadFile(keyPath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no hub in %s: run `jemput-hub init --data %s` first, or check --data", dir, dir)
	}
	if err != nil {
		return nil, err
	}
	var id syncproto.Identity
	if err := id.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("hub key %s is damaged: %w", keyPath(dir), err)
	}
	st, err := sqlite.Open(ctx, dbPath(dir))
	if err != nil {
		return nil, err
	}
	regions, err := wilayah.Load()
	if err != nil {
		st.Close()
		return nil, err
	}
	h, err := hub.New(ctx, st, hub.Config{Identity: id, Regions: regions, Logger: log})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &session{store: st, hub: h}, nil
}
