// Package sqlite is the hub's embedded store: one SQLite file, WAL,
// fsynced commits, migrations embedded and applied at open. All SQL of the
// hub lives in this package (and, next, in its PostgreSQL sibling).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"os"
	"sync"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/sqlitex"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a hub.Store over one SQLite file.
type Store struct {
	db *sql.DB
	// Prepared statements by query text: parsing SQL was a fifth of
	// ingest time. database/sql prepares each once per pooled connection.
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func (s *Store) prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[q]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	s.stmts[q] = st
	return st, nil
}

var _ hub.Store = (*Store)(nil)

// Open opens (creating and migrating if needed) the hub database at path.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sqlitex.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	// The hub's database holds personal data in the clear: only the
	// hub's account may read it.
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := sqlitex.Migrate(ctx, db, migrations, "migrations"); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	st := &Store{db: db, stmts: map[string]*sql.Stmt{}}
	if _, err := st.backfillReportColumns(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return st, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	s.mu.Unlock()
	return s.db.Close()
}

// Update runs fn in one write transaction.
func (s *Store) Update(ctx context.Context, fn func(hub.Tx) error) error {
	return sqlitex.InTx(ctx, s.db, func(t *sql.Tx) error { return fn(&tx{ctx: ctx, tx: t, s: s}) })
}

// View runs fn in a read transaction. (With BEGIN IMMEDIATE it also holds
// the write lock: views are short, and a consistent read matters more.)
func (s *Store) View(ctx context.Context, fn func(hub.Tx) error) error {
	return s.Update(ctx, fn)
}
