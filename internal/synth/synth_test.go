package synth

import (
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/roster"
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

// Every generated record is valid on any day, birthdays and leap days
// included: tests that submit thousands of them must never flake.
func TestRecordsValidOnAnyDay(t *testing.T) {
	tree, err := wilayah.Load()
	if err != nil {
		t.Fatal(err)
	}
	days := []time.Time{
		time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 8, 0, 0, 0, time.UTC),
		time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC),
	}
	for _, today := range days {
		g := New(today.UnixNano(), today, Villages(tree, "64.11"))
		for i := 0; i < 3000; i++ {
			k := []record.Kind{record.KindEKTP, record.KindBirth, record.KindDeath}[i%3]
			f := g.Record(k)
			spec, _ := record.SpecFor(k)
			if ps := spec.Validate(f, record.Env{Regions: tree, Today: today}); len(ps) > 0 {
				t.Fatalf("%s on %s: %v\n%v", k, today.Format("2006-01-02"), ps, f)
			}
		}
	}
}

// A generated roster reads back whole: every row is good, every NIK
// unique, and some residents are due a KTP-el or a birth certificate.
func TestRosterIsValid(t *testing.T) {
	tree, err := wilayah.Load()
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)
	rs := New(7, today, Villages(tree, "64.11")).Roster(5000)
	if len(rs) != 5000 {
		t.Fatalf("%d residents, want 5000", len(rs))
	}
	var b strings.Builder
	if err := roster.Write(&b, rs); err != nil {
		t.Fatal(err)
	}
	res, err := roster.Parse("synth.csv", strings.NewReader(b.String()), tree, today)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) > 0 || len(res.Rows) != len(rs) {
		t.Fatalf("%d rows read, %d skipped, first: %v", len(res.Rows), len(res.Skipped), res.Skipped[0])
	}
	var noKTP, noCert int
	for _, r := range rs {
		if !r.HasKTPEl && r.AgeOn(today) >= 17 {
			noKTP++
		}
		if !r.HasBirthCert && r.AgeOn(today) < 18 {
			noCert++
		}
	}
	if noKTP < 200 || noCert < 200 {
		t.Errorf("%d without KTP-el, %d children without a birth certificate: too few for a worklist", noKTP, noCert)
	}
}
