package hub_test

import (
	"bytes"
	"testing"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/roster"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/syncproto"
)

// BenchmarkImportRoster measures importing a regency's roster of 200,000
// residents (Mahakam Ulu's 50 villages, synthetic; ~37,000 of them on a
// worklist) in one transaction, with five laptops enrolled, one per
// district of the regency, whose worklists the import fills: "new" into
// an empty hub, "again" the same file a second time (every row unchanged,
// no op sent). Reported as rows/s. "approve" is one KTP-el approval with
// that roster behind it: the refresh of one village's worklists.
func BenchmarkImportRoster(b *testing.B) {
	const n = 200_000
	tree := regions(b)
	rs := synth.New(1, t0, synth.Villages(tree, "64.11")).Roster(n)
	var file bytes.Buffer
	if err := roster.Write(&file, rs); err != nil {
		b.Fatal(err)
	}
	fresh := func(b *testing.B) (*fixture, []*device) {
		f := newFixture(b)
		var ds []*device
		for _, d := range []string{"64.11.01", "64.11.02", "64.11.03", "64.11.04", "64.11.05"} {
			ds = append(ds, f.enrolIn(b, "Petugas "+d, d))
		}
		return f, ds
	}
	b.Run("new", func(b *testing.B) {
		var open int
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			f, _ := fresh(b)
			b.StartTimer()
			rep := f.importRoster(b, file.String())
			if rep.Added != n || rep.Worklists.Devices != 5 {
				b.Fatalf("%+v", rep)
			}
			open = rep.Worklists.Open
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(open), "entries")
	})
	f, ds := fresh(b)
	f.importRoster(b, file.String())
	b.Run("again", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if rep := f.importRoster(b, file.String()); rep.Unchanged != n || rep.Worklists.Open+rep.Worklists.Done != 0 {
				b.Fatalf("%+v", rep)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	// Residents on the worklist of 64.11.01's laptop, each approved once
	// (the benchmark function runs more than once).
	var due []roster.Resident
	for _, r := range rs {
		if !r.HasKTPEl && r.AgeOn(t0) >= 17 && r.Village[:8] == "64.11.01" {
			due = append(due, r)
		}
	}
	b.Run("approve", func(b *testing.B) {
		d := ds[0]
		var ops []syncproto.Op
		var ids []string
		for i := 0; i < b.N; i++ {
			if len(due) == 0 {
				b.Fatal("no resident left to approve")
			}
			r := due[0]
			due = due[1:]
			fields := fixtureFields(b, record.KindEKTP)
			fields["nik"], fields["full_name"], fields["sex"], fields["birth_date"], fields["village_code"], fields["kk_number"] =
				r.NIK, r.Name, r.Sex, r.Birth, r.Village, r.KKNumber
			c := d.create(b, record.KindEKTP, fields)
			ops = append(ops, c, d.submit(c))
			ids = append(ids, c.RecordID)
		}
		f.ingest(b, f.seal(b, d, ops...))
		b.ResetTimer()
		for _, id := range ids {
			if _, err := f.h.Decide(f.ctx, id, record.StatusApproved, "", nil, "op"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
