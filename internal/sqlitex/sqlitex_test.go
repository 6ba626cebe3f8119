package sqlitex

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func open(t *testing.T) *sql.DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPragmasOnEveryConnection: durability rests on synchronous=FULL and
// WAL; database/sql pools connections, so each one must carry them.
func TestPragmasOnEveryConnection(t *testing.T) {
	db := open(t)
	db.SetMaxOpenConns(4)
	ctx := context.Background()
	var conns []*sql.Conn
	for i := 0; i < 4; i++ {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var sync, fk, busy int
		var mode string
		c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync)
		c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
		c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy)
		c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
		if sync != 2 || fk != 1 || busy < 1000 || mode != "wal" {
			t.Errorf("conn %d: synchronous=%d foreign_keys=%d busy_timeout=%d journal_mode=%s", i, sync, fk, busy, mode)
		}
		c.Close()
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	fsys := fstest.MapFS{
		"m/0002_b.sql": {Data: []byte("INSERT INTO t VALUES (2);")},
		"m/0001_a.sql": {Data: []byte("CREATE TABLE t (x INTEGER);")},
		"m/README":     {Data: []byte("not a migration")},
	}
	for i := 0; i < 2; i++ { // the second run applies nothing
		if err := Migrate(ctx, db, fsys, "m"); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	db.QueryRow("SELECT count(*) FROM t").Scan(&n)
	if n != 1 {
		t.Fatalf("rows = %d: migrations ran out of order or twice", n)
	}

	// A failing migration leaves neither its changes nor its record.
	fsys["m/0003_bad.sql"] = &fstest.MapFile{Data: []byte("INSERT INTO t VALUES (3); INSERT INTO nope VALUES (1);")}
	if err := Migrate(ctx, db, fsys, "m"); err == nil || !strings.Contains(err.Error(), "0003_bad.sql") {
		t.Fatalf("bad migration: %v", err)
	}
	db.QueryRow("SELECT count(*) FROM t").Scan(&n)
	var v int
	db.QueryRow("SELECT max(version) FROM schema_migrations").Scan(&v)
	if n != 1 || v != 2 {
		t.Fatalf("after failed migration: rows %d, version %d", n, v)
	}

	bad := fstest.MapFS{"m/first.sql": {Data: []byte("SELECT 1;")}}
	if err := Migrate(ctx, open(t), bad, "m"); err == nil {
		t.Fatal("unnumbered migration accepted")
	}
}

// TestConcurrentWritersDoNotFail: BEGIN IMMEDIATE plus busy_timeout make
// writers queue instead of failing with SQLITE_BUSY.
func TestConcurrentWritersDoNotFail(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := a.Exec("CREATE TABLE c (n INTEGER)"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for _, db := range []*sql.DB{a, b} {
		wg.Add(1)
		go func(db *sql.DB) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				errs <- InTx(ctx, db, func(tx *sql.Tx) error {
					var n int
					tx.QueryRow("SELECT count(*) FROM c").Scan(&n)
					_, err := tx.Exec("INSERT INTO c VALUES (?)", n)
					return err
				})
			}
		}(db)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var distinct int
	a.QueryRow("SELECT count(DISTINCT n) FROM c").Scan(&distinct)
	if distinct != 200 {
		t.Fatalf("%d distinct counts of 200: read-then-write was not serialised", distinct)
	}
}

// TestOddPathsStayWhereTheyAre: "#", "?" and "%" are legal in directory
// names and must not move the database.
func TestOddPathsStayWhereTheyAre(t *testing.T) {
	for _, name := range []string{"a#b", "q?x=1", "p%41", "spasi dan 'kutip'"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "x.db")
		db, err := Open(context.Background(), file)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := db.Exec("CREATE TABLE t (x)"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if _, err := os.Stat(file); err != nil {
			t.Errorf("%s: database not at %s: %v", name, file, err)
		}
	}
}

func TestConcurrentFirstOpenMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	fsys := fstest.MapFS{"m/0001_a.sql": {Data: []byte("CREATE TABLE t (x INTEGER);")}}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(context.Background(), path)
			if err == nil {
				err = Migrate(context.Background(), db, fsys, "m")
				db.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
