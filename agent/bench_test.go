package agent_test

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/atrest"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/wilayah"
)

// BenchmarkCapture saves one record at a time as the officer does: each
// Capture is its own transaction, fsynced at commit (WAL,
// synchronous=FULL), into a real file under b.TempDir. Each save is timed
// on its own for p50/p99; records/s is b.N over the whole loop. A fresh
// store per run, growing to b.N records. Use a fixed count so percentiles
// rest on enough saves:
//
//	go test -run '^$' -bench Capture -benchtime 2000x ./agent/
func BenchmarkCapture(b *testing.B) {
	kinds := []record.Kind{record.KindEKTP, record.KindBirth, record.KindDeath}
	for _, k := range kinds {
		b.Run(string(k), func(b *testing.B) {
			benchCapture(b, func(int) record.Kind { return k })
		})
	}
	// The mix of a KTP-el-heavy trip: 60% ektp, 25% birth, 15% death.
	b.Run("mixed", func(b *testing.B) {
		benchCapture(b, func(i int) record.Kind {
			switch {
			case i%20 < 12:
				return record.KindEKTP
			case i%20 < 17:
				return record.KindBirth
			}
			return record.KindDeath
		})
	})
}

func benchCapture(b *testing.B, kindOf func(int) record.Kind) {
	ctx := context.Background()
	tree, err := wilayah.Load()
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "agent.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	// Cheap Argon2 parameters: unlock cost is not what is measured here.
	argon := atrest.Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}
	if err := db.Init(ctx, store.InitParams{Passphrase: []byte("p4ssphrase"), Argon: argon, Officer: "Yakobus Lenjau", Now: time.Now()}); err != nil {
		b.Fatal(err)
	}
	st, err := db.Unlock(ctx, []byte("p4ssphrase"), nil)
	if err != nil {
		b.Fatal(err)
	}
	a := agent.New(st, tree)

	// Generate the records before the clock starts.
	today := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	g := synth.New(1, today, synth.Villages(tree, "64.11"))
	kinds := make([]record.Kind, b.N)
	fields := make([]record.Fields, b.N)
	for i := range fields {
		kinds[i] = kindOf(i)
		fields[i] = g.Record(kinds[i])
	}
	lat := make([]time.Duration, b.N)

	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := a.Capture(ctx, kinds[i], fields[i]); err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(t0)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 99)), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
}

// percentile is the nearest-rank percentile p of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
