package synth

import (
	"testing"
	"time"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/wilayah"
)

// TestGeneratedRecordsAreValid guards the benchmarks and the demo: they
// measure valid records, so the generator must only make valid ones.
func TestGeneratedRecordsAreValid(t *testing.T) {
	tree, err := wilayah.Load()
	if err != nil {
		t.Fatal(err)
	}
	villages := Villages(tree, "64.11")
	if len(villages) != 50 {
		t.Fatalf("Mahakam Ulu has %d villages, want 50", len(villages))
	}
	today := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	g := New(1, today, villages)
	for _, k := range []record.Kind{record.KindEKTP, record.KindBirth, record.KindDeath} {
		spec, _ := record.SpecFor(k)
		for i := 0; i < 500; i++ {
			f := g.Record(k)
			if ps := spec.Validate(f, record.Env{Regions: tree, Today: today}); len(ps) > 0 {
				t.Fatalf("%s record %d invalid: %+v\n%v", k, i, ps, f)
			}
		}
	}
}
