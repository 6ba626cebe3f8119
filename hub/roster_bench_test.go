package hub_test

import (
	"bytes"
	"testing"

	"github.com/jemputbola/jemput/internal/roster"
	"github.com/jemputbola/jemput/internal/synth"
)

// BenchmarkImportRoster measures importing a regency's roster of 200,000
// residents (Mahakam Ulu's 50 villages, synthetic) in one transaction:
// "new" into an empty hub, "again" the same file a second time (every
// row unchanged). Reported as rows/s.
func BenchmarkImportRoster(b *testing.B) {
	const n = 200_000
	tree := regions(b)
	var file bytes.Buffer
	if err := roster.Write(&file, synth.New(1, t0, synth.Villages(tree, "64.11")).Roster(n)); err != nil {
		b.Fatal(err)
	}
	b.Run("new", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			f := newFixture(b)
			b.StartTimer()
			if rep := f.importRoster(b, file.String()); rep.Added != n {
				b.Fatalf("%+v", rep)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("again", func(b *testing.B) {
		f := newFixture(b)
		f.importRoster(b, file.String())
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if rep := f.importRoster(b, file.String()); rep.Unchanged != n {
				b.Fatalf("%+v", rep)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
