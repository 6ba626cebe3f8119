package hub_test

import (
	"testing"
	"time"

	"github.com/jemputbola/jemput/internal/record"
)

func TestMonthly(t *testing.T) {
	f := newFixture(t)
	dev := f.enrol(t, "Petugas")
	c1 := dev.create(t, record.KindEKTP, ektpFields(t, 1))
	c2 := dev.create(t, record.KindEKTP, ektpFields(t, 2))
	f.ingest(t, f.seal(t, dev, c1, c2))
	from := time.Date(t0.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(t0.Year(), 12, 31, 0, 0, 0, 0, time.UTC)
	months, err := f.h.Monthly(f.ctx, "64.11", from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(months) != 12 {
		t.Fatalf("%d months, want every month of the year", len(months))
	}
	for _, m := range months {
		want := int64(0)
		if m.Month.Month() == c1.HLC.Time().Month() {
			want = 2
		}
		if m.Total != want || m.ByKind[record.KindEKTP] != want {
			t.Errorf("%s: %d records, want %d", m.Month.Format("2006-01"), m.Total, want)
		}
	}
	// Another region counts nothing.
	other, _ := f.h.Monthly(f.ctx, "64.02", from, to)
	for _, m := range other {
		if m.Total != 0 {
			t.Fatalf("64.02 counts %d in %s", m.Total, m.Month.Format("2006-01"))
		}
	}
}
