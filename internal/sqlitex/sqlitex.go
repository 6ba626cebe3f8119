// Package sqlitex opens SQLite databases the way every Jemput store needs
// them, and applies embedded migrations.
//
// The pure-Go driver (modernc.org/sqlite) is used so the agent builds for
// any laptop without cgo.
package sqlitex

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Open opens (creating if needed) the database at file with:
//   - busy_timeout first, so the other pragmas wait instead of failing while
//     another process (the CLI beside `serve`) holds the lock;
//   - WAL, so readers never block the writer;
//   - synchronous=FULL, so every commit is fsynced: a record reported saved
//     survives power loss, not only a killed process;
//   - foreign keys on;
//   - BEGIN IMMEDIATE for every transaction, so two writers never deadlock
//     upgrading read locks.
func Open(ctx context.Context, file string) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + escapePath(file) + "?" + q.Encode()
	// Switching a new file to WAL takes an exclusive lock that SQLite's
	// busy handler does not wait for: two processes opening a brand-new
	// store at once (serve and the CLI) can get SQLITE_BUSY here. Retry.
	var db *sql.DB
	for attempt := 0; ; attempt++ {
		var err error
		db, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", file, err)
		}
		err = db.PingContext(ctx)
		if err == nil {
			break
		}
		db.Close()
		if !strings.Contains(err.Error(), "SQLITE_BUSY") || attempt >= 50 {
			return nil, fmt.Errorf("open %s: %w", file, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("open %s: %w", file, ctx.Err())
		case <-time.After(time.Duration(10+attempt*10) * time.Millisecond):
		}
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("open %s: journal mode is %q, want wal: %v", file, mode, err)
	}
	return db, nil
}

// escapePath makes a file name safe inside a SQLite URI: an unescaped "?"
// or "#" in a directory name would otherwise cut the path short and put
// the database somewhere else.
func escapePath(file string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(file)
}

// Migrate applies, in order, each numbered file NNNN_name.sql in dir of fsys
// that is not yet recorded in schema_migrations, each in its own
// transaction with its record, so a crash leaves a migration either wholly
// applied or not at all.
func Migrate(ctx context.Context, db *sql.DB, fsys fs.FS, dir string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	type mig struct {
		version int
		name    string
	}
	var migs []mig
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migrate: %s: name must start with a number and _", e.Name())
		}
		migs = append(migs, mig{v, e.Name()})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for _, m := range migs {
		body, err := fs.ReadFile(fsys, path.Join(dir, m.name))
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		// Checked inside the write transaction: two processes opening a new
		// store at once (serve and the CLI after an upgrade) must not both
		// apply the same migration.
		if err := InTx(ctx, db, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, time.Now().UnixMilli())
			return err
		}); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	return nil
}

// InTx runs fn in a transaction, committing when it returns nil.
func InTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
