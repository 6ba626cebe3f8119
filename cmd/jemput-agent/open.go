package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/atrest"
	"github.com/jemputbola/jemput/internal/wilayah"
)

// session is an unlocked store with the agent on top, for one command.
type session struct {
	db    *store.DB
	agent *agent.Agent
	store *store.Store
}

func (s *session) Close() error { return s.db.Close() }

// open unlocks the store in dir. It never creates one: a typo in --data
// must not leave an empty store behind that later hides the real one.
func open(ctx context.Context, s stdio, dir string) (*session, error) {
	path := dbPath(dir)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no agent store in %s: run `jemput-agent init --data %s` first, or check --data", dir, dir)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	pass, err := passphrase(s, false)
	if err != nil {
		db.Close()
		return nil, err
	}
	st, err := db.Unlock(ctx, pass, nil)
	if err != nil {
		db.Close()
		if errors.Is(err, atrest.ErrWrongPassphrase) {
			return nil, fmt.Errorf("wrong passphrase for the store in %s (nothing was changed; passphrases are case-sensitive)", dir)
		}
		return nil, err
	}
	regions, err := wilayah.Load()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load region codes: %w", err)
	}
	return &session{db: db, store: st, agent: agent.New(st, regions)}, nil
}
