package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/wilayah"
)

// BenchmarkCoverage measures the store's coverage query for one regency
// (Mahakam Ulu, by district) over one year, with JEMPUT_BENCH_RECORDS
// records (default 1,000,000) in that regency, captured over two years:
// kinds and statuses mixed, a tenth awaiting review. The fixture is built
// with batched INSERTs in one transaction and its build time reported.
func BenchmarkCoverage(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("JEMPUT_BENCH_RECORDS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(b.TempDir(), "hub.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	tree, err := wilayah.Load()
	if err != nil {
		b.Fatal(err)
	}
	var villages []string
	for _, d := range tree.Children("64.11") {
		for _, v := range tree.Children(d.Code) {
			villages = append(villages, v.Code)
		}
	}
	start := time.Now()
	if err := benchFixture(ctx, st.db, n, villages); err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	b.Logf("fixture: %d records in %d villages built in %s", n, len(villages), build.Round(time.Millisecond))

	q := hub.CoverageQuery{Under: "64.11", Depth: 8,
		From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	b.Run(fmt.Sprintf("regency/records=%d", n), func(b *testing.B) {
		b.ReportAllocs()
		var got hub.CoverageCounts
		for b.Loop() {
			if got, err = st.Coverage(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		var in int64
		for _, v := range got.Total.Flow {
			in += v
		}
		if len(got.Groups) != 5 || in == 0 || got.Total.Backlog.Count == 0 {
			b.Fatalf("groups %d, %d in period, backlog %d", len(got.Groups), in, got.Total.Backlog.Count)
		}
		b.ReportMetric(float64(in), "records-in-period")
		b.ReportMetric(float64(got.Total.Backlog.Count), "backlog")
		b.ReportMetric(build.Seconds(), "fixture-s")
	})
}

func benchFixture(ctx context.Context, db *sql.DB, n int, villages []string) error {
	cols := []string{"id", "kind", "status", "tracking_code", "village_code", "device_id", "updated_at", "state",
		"captured_at", "event_date", "delay_days", "ktp_due", "received_at"}
	const batch = 500
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	q := "INSERT INTO records (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", batch), ", ")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	defer ins.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	const day = 24 * 60 * 60 * 1000
	args := make([]any, 0, batch*len(cols))
	for i := 0; i < n; i += batch {
		args = args[:0]
		for j := i; j < i+batch; j++ {
			// j >= n pads the last batch with rows outside the regency.
			captured := base + rng.Int64N(730*day)
			kind, status := "ektp", "approved"
			switch r := rng.IntN(10); {
			case r < 2:
				kind = "birth"
			case r < 3:
				kind = "death"
			}
			switch r := rng.IntN(20); {
			case r < 2:
				status = "received"
			case r < 3:
				status = "needs_correction"
			case r < 4:
				status = "rejected"
			}
			var event string
			var delay any
			if kind != "ektp" {
				d := rng.Int64N(800)
				delay = d
				event = time.UnixMilli(captured - d*day).UTC().Format(time.DateOnly)
			}
			village := villages[j%len(villages)]
			if j >= n {
				village = "11.01.01.2001"
			}
			received := int64(0)
			if status == "received" {
				received = captured + rng.Int64N(30*day)
			}
			id := fmt.Sprintf("r%08d", j)
			due := 0
			if kind == "ektp" && rng.IntN(10) < 9 {
				due = 1
			}
			args = append(args, id, kind, status, id[:8], village, "dev-1", captured, "{}",
				captured, event, delay, due, received)
		}
		if _, err := ins.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}
