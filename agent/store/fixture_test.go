package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/internal/wilayah"
	"github.com/jemputbola/jemput/syncproto"
)

// The 100,000-record fixture behind the list, lookup and size benchmarks.
const (
	fixtureRecords = 100_000
	fixtureBatch   = 1000 // records per CreateBatch: one transaction, one fsync
	// Every fixtureSubmitEvery-th record is then submitted through Update,
	// one transaction (and fsync) each, as the officer's submit does. This
	// gives the status filter something to select and the op log its
	// second op per submitted record.
	fixtureSubmitEvery = 10
	fixtureNIKSample   = 1000 // NIKs kept for the lookup benchmark
)

// fixtureToday fixes the generator's calendar so every run builds the same
// people (tracking codes, ids and keys are still random).
var fixtureToday = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// storeFixture is one built store of fixtureRecords records, open, with
// the figures of its build.
type storeFixture struct {
	db   *DB
	st   *Store
	path string

	submitted  int
	niks       []string // NIKs present on records, for FindNIK hits
	createTime time.Duration
	firstRate  float64 // created/s over the first 10,000 records
	lastRate   float64 // and over the last 10,000
	submitTime time.Duration
	size       fixtureSize
}

// fixtureSize is the store on disk after a TRUNCATE checkpoint.
type fixtureSize struct {
	file, wal int64
	// byTable is the bytes of pages per table, its indexes included, from
	// the dbstat virtual table; nil if this SQLite build lacks dbstat.
	byTable map[string]int64
	ops     int64 // rows in the op log
}

// sharedFixture is the store the sub-benchmarks of one top-level benchmark
// share, built lazily by the first of them that asks for it.
//
// Why this shape: the files live in the top-level benchmark's b.TempDir
// and the database is closed by its b.Cleanup, so they are removed when
// that benchmark ends, whatever sub-benchmarks ran, with no TestMain and no
// package-level state. Plain `go test` runs no benchmark, so it never
// builds the fixture. Building lazily (sync.Once) means a -bench pattern
// that selects no sub-benchmark builds nothing, and the sub-benchmark that
// happens to build resets its timer afterwards. -count repeats each
// sub-benchmark inside the one top-level run, so the fixture is built once
// however many counts are asked for.
type sharedFixture struct {
	dir  string
	once sync.Once
	f    *storeFixture
	err  error
}

// newSharedFixture is called by the top-level benchmark.
func newSharedFixture(b *testing.B) *sharedFixture {
	s := &sharedFixture{dir: b.TempDir()}
	b.Cleanup(func() {
		if s.f != nil {
			s.f.db.Close()
		}
	})
	return s
}

// get returns the built fixture, building it on first use, and resets b's
// timer so the build never counts towards the caller's figures.
func (s *sharedFixture) get(b *testing.B) *storeFixture {
	b.Helper()
	f := s.ensure(b)
	b.ResetTimer()
	return f
}

// ensure builds the fixture on first use, leaving b's timer alone.
func (s *sharedFixture) ensure(b *testing.B) *storeFixture {
	b.Helper()
	s.once.Do(func() { s.f, s.err = buildFixture(context.Background(), s.dir) })
	if s.err != nil {
		b.Fatalf("build %d-record fixture: %v", fixtureRecords, s.err)
	}
	return s.f
}

// built reports whether the fixture has been built.
func (s *sharedFixture) built() bool { return s.f != nil }

// fixtureKind mixes kinds as a KTP-el-heavy jemput bola trip does: 60%
// ektp, 25% birth, 15% death, interleaved so every page of a list mixes
// them.
func fixtureKind(i int) record.Kind {
	switch i % 20 {
	case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11:
		return record.KindEKTP
	case 12, 13, 14, 15, 16:
		return record.KindBirth
	}
	return record.KindDeath
}

// primaryNIK is the NIK a lookup for this record would most likely use.
func primaryNIK(k record.Kind, f record.Fields) string {
	switch k {
	case record.KindBirth:
		return f["mother.nik"]
	case record.KindDeath:
		return f["deceased_nik"]
	}
	return f["nik"]
}

// buildFixture builds a store of fixtureRecords records in dir and
// returns it open (the caller closes f.db), with the figures of the build.
func buildFixture(ctx context.Context, dir string) (_ *storeFixture, err error) {
	f := &storeFixture{path: filepath.Join(dir, "agent.db")}
	tree, err := wilayah.Load()
	if err != nil {
		return nil, err
	}
	if f.db, err = Open(ctx, f.path); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.db.Close()
		}
	}()
	if err := f.db.Init(ctx, InitParams{Passphrase: []byte(pass), Argon: cheapArgon, Officer: "Yakobus Lenjau", Now: time.Now()}); err != nil {
		return nil, err
	}
	if f.st, err = f.db.Unlock(ctx, []byte(pass), nil); err != nil {
		return nil, err
	}

	// Generate every record first, so the timed phase is the store's work.
	g := synth.New(1, fixtureToday, synth.Villages(tree, "64.11"))
	recs := make([]*record.Record, fixtureRecords)
	sampleEvery := fixtureRecords / fixtureNIKSample
	for i := range recs {
		k := fixtureKind(i)
		fields := g.Record(k)
		id, err := uuid.NewV7()
		if err != nil {
			return nil, err
		}
		recs[i] = &record.Record{ID: id.String(), Kind: k, Status: record.StatusDraft, Fields: fields}
		if i%sampleEvery == sampleEvery/2 {
			f.niks = append(f.niks, primaryNIK(k, fields))
		}
	}

	start := time.Now()
	var tenK time.Time // start of the last 10,000
	for lo := 0; lo < len(recs); lo += fixtureBatch {
		if lo == 10_000 {
			f.firstRate = 10_000 / time.Since(start).Seconds()
		}
		if lo == len(recs)-10_000 {
			tenK = time.Now()
		}
		batch := recs[lo:min(lo+fixtureBatch, len(recs))]
		meta := make([]map[string]string, len(batch))
		for attempt := 0; ; attempt++ {
			for i, r := range batch {
				code, err := tracking.New(rand.Reader)
				if err != nil {
					return nil, err
				}
				r.TrackingCode = string(code)
				meta[i] = map[string]string{"tracking_code": r.TrackingCode, "officer": f.st.Officer()}
			}
			_, err := f.st.CreateBatch(ctx, batch, meta)
			if errors.Is(err, ErrTrackingCodeTaken) && attempt < 5 {
				continue // 55 random bits: all but impossible, but cheap to handle
			}
			if err != nil {
				return nil, fmt.Errorf("batch at %d: %w", lo, err)
			}
			break
		}
	}
	f.createTime = time.Since(start)
	f.lastRate = 10_000 / time.Since(tenK).Seconds()

	start = time.Now()
	submit := func(*record.Record) (Mutation, error) {
		return Mutation{Action: syncproto.ActionSubmit, Status: record.StatusSubmitted}, nil
	}
	for i := 0; i < len(recs); i += fixtureSubmitEvery {
		if _, _, err := f.st.Update(ctx, recs[i].ID, submit); err != nil {
			return nil, fmt.Errorf("submit %s: %w", recs[i].ID, err)
		}
		f.submitted++
	}
	f.submitTime = time.Since(start)

	if f.size, err = f.measure(ctx); err != nil {
		return nil, err
	}
	return f, nil
}

// measure checkpoints the WAL into the main file and sizes the result.
func (f *storeFixture) measure(ctx context.Context) (fixtureSize, error) {
	var sz fixtureSize
	var busy, logFrames, checkpointed int
	if err := f.db.sql.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed); err != nil {
		return sz, fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return sz, errors.New("checkpoint: database busy")
	}
	for _, p := range []struct {
		suffix string
		n      *int64
	}{{"", &sz.file}, {"-wal", &sz.wal}} {
		fi, err := os.Stat(f.path + p.suffix)
		if err != nil {
			return sz, err
		}
		*p.n = fi.Size()
	}
	if err := f.db.sql.QueryRowContext(ctx, "SELECT count(*) FROM ops").Scan(&sz.ops); err != nil {
		return sz, err
	}
	rows, err := f.db.sql.QueryContext(ctx, `SELECT coalesce(s.tbl_name, d.name), sum(d.pgsize)
		FROM dbstat d LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY 1`)
	if err != nil {
		return sz, nil // no dbstat in this build: totals only
	}
	defer rows.Close()
	sz.byTable = map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return sz, err
		}
		sz.byTable[name] = n
	}
	return sz, rows.Err()
}
