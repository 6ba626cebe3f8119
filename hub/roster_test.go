package hub_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/roster"
)

// resident is a roster row with a NIK that agrees with its birth date and
// sex (district of the village, serial n).
func resident(n int, name, sex, birth, village string) roster.Resident {
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		panic(err)
	}
	day := b.Day()
	if sex == "P" {
		day += 40
	}
	district := strings.ReplaceAll(village[:8], ".", "")
	return roster.Resident{NIK: fmt.Sprintf("%s%02d%02d%02d%04d", district, day, int(b.Month()), b.Year()%100, n),
		KKNumber: district + "0101200003", Name: name, Sex: sex, Birth: birth, Village: village}
}

func rosterCSV(t testing.TB, rs ...roster.Resident) string {
	t.Helper()
	var b strings.Builder
	if err := roster.Write(&b, rs); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func (f *fixture) importRoster(t testing.TB, csv string) hub.RosterReport {
	t.Helper()
	rep, err := f.h.ImportRoster(f.ctx, strings.NewReader(csv), "admin")
	if err != nil {
		t.Fatalf("import roster: %v", err)
	}
	return rep
}

// roster is every resident of the villages, by NIK.
func (f *fixture) roster(t testing.TB, villages ...string) []hub.Resident {
	t.Helper()
	var out []hub.Resident
	err := f.st.View(f.ctx, func(tx hub.Tx) error {
		for _, v := range villages {
			rs, err := tx.Residents(v)
			if err != nil {
				return err
			}
			out = append(out, rs...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b hub.Resident) int { return strings.Compare(a.NIK, b.NIK) })
	return out
}

const (
	villageA = "64.11.01.2001" // Long Hurai
	villageB = "64.11.02.2001" // Long Hubung
)

var (
	siti   = resident(1, "Siti Aminah", "P", "1985-03-12", villageA)
	maruf  = resident(2, "Ma'ruf Hulau", "L", "1990-07-04", villageA)   // 36, no KTP-el
	yohan  = resident(3, "Yohanes Lawing", "L", "2015-06-01", villageA) // 11, no birth certificate
	agnes  = resident(4, "Agnes Ding", "P", "1970-12-22", villageB)     // 55, no KTP-el
	script = resident(5, "<script>alert(1)</script>", "P", "2008-11-25", villageB)
)

func init() {
	siti.HasKTPEl, siti.HasBirthCert = true, true
	maruf.HasBirthCert = true
	agnes.HasBirthCert = true
}

func TestImportRosterTwiceChangesNothing(t *testing.T) {
	f := newFixture(t)
	csv := rosterCSV(t, siti, maruf, yohan, agnes, script)
	rep := f.importRoster(t, csv)
	if rep.Added != 5 || rep.Updated != 0 || rep.Unchanged != 0 || rep.Skipped != 0 || rep.Source != "roster" {
		t.Fatalf("first import: %+v", rep)
	}
	before := f.roster(t, villageA, villageB)
	if len(before) != 5 || before[4].Name != "<script>alert(1)</script>" {
		t.Fatalf("roster: %+v", before)
	}
	ids := map[string]bool{}
	for _, r := range before {
		if len(r.EntryID) != 36 || ids[r.EntryID] || strings.Contains(r.EntryID, r.NIK[6:12]) {
			t.Errorf("entry id %q of %s: want a UUID, unique", r.EntryID, r.Name)
		}
		ids[r.EntryID] = true
	}
	rep = f.importRoster(t, csv)
	if rep.Added != 0 || rep.Updated != 0 || rep.Unchanged != 5 {
		t.Fatalf("second import: %+v", rep)
	}
	if after := f.roster(t, villageA, villageB); !slices.Equal(after, before) {
		t.Fatalf("the same file again changed the roster:\n%+v\n%+v", before, after)
	}
	// A changed row is updated in place and keeps its entry id; residents
	// missing from the new file stay.
	moved := maruf
	moved.Village, moved.HasKTPEl = villageB, true
	rep = f.importRoster(t, rosterCSV(t, siti, moved))
	if rep.Added != 0 || rep.Updated != 1 || rep.Unchanged != 1 {
		t.Fatalf("third import: %+v", rep)
	}
	after := f.roster(t, villageA, villageB)
	if len(after) != 5 || after[1].Village != villageB || !after[1].HasKTPEl || after[1].EntryID != before[1].EntryID {
		t.Fatalf("after the update: %+v", after)
	}
	// Each import is in the audit log.
	log, err := f.h.AuditLog(f.ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, e := range log {
		if e.Action == hub.AuditRoster {
			details = append(details, e.Detail)
		}
	}
	if want := []string{"5 added, 0 updated, 0 unchanged, 0 skipped", "0 added, 0 updated, 5 unchanged, 0 skipped",
		"0 added, 1 updated, 1 unchanged, 0 skipped"}; !slices.Equal(details, want) {
		t.Errorf("audit: %q, want %q", details, want)
	}
}

func TestImportRosterSkipsBadRows(t *testing.T) {
	f := newFixture(t)
	wrongSex := maruf
	wrongSex.Sex = "P"
	future := yohan
	future.Birth = "2027-01-01"
	csv := rosterCSV(t, siti, wrongSex, yohan, future, agnes, siti)
	rep := f.importRoster(t, csv)
	if rep.Added != 3 || rep.Skipped != 3 || len(rep.SkippedRows) != 3 {
		t.Fatalf("report: %+v", rep)
	}
	for i, want := range []struct {
		line        int
		column, msg string
	}{{3, "nik", "sex is P"}, {5, "birth_date", "in the future"}, {7, "nik", "already on line 2"}} {
		got := rep.SkippedRows[i]
		if got.Line != want.line || got.Column != want.column || !strings.Contains(got.Msg, want.msg) {
			t.Errorf("skipped %d: %+v, want line %d column %s %q", i, got, want.line, want.column, want.msg)
		}
	}
	if got := f.roster(t, villageA, villageB); len(got) != 3 {
		t.Fatalf("roster: %+v", got)
	}
	// A file that is not a roster changes nothing.
	if _, err := f.h.ImportRoster(f.ctx, strings.NewReader("kode,tahun,penduduk\n64.11,2026,5\n"), "admin"); !errors.Is(err, roster.ErrHeader) {
		t.Fatalf("a targets file as roster: %v", err)
	}
}

// faultStore makes PutResident fail after ok calls, by storing a resident
// whose entry id another resident has: a constraint the store enforces.
type faultStore struct {
	*sqlite.Store
	ok int
}

func (s *faultStore) Update(ctx context.Context, fn func(hub.Tx) error) error {
	return s.Store.Update(ctx, func(tx hub.Tx) error { return fn(&faultTx{Tx: tx, s: s}) })
}

type faultTx struct {
	hub.Tx
	s    *faultStore
	last string
}

func (t *faultTx) PutResident(r hub.Resident) error {
	if t.s.ok == 0 && t.last != "" {
		r.EntryID = t.last // UNIQUE (entry_id): the store refuses the row
	}
	t.s.ok--
	t.last = r.EntryID
	return t.Tx.PutResident(r)
}

// TestImportRosterAllOrNothing: when the store refuses a row halfway, the
// rows before it are rolled back too, and no audit entry is left.
func TestImportRosterAllOrNothing(t *testing.T) {
	f := newFixture(t)
	f.importRoster(t, rosterCSV(t, siti, maruf))
	before := f.roster(t, villageA, villageB)
	logBefore, _ := f.h.AuditLog(f.ctx, 0, 0)

	fs := &faultStore{Store: f.st, ok: 2}
	h, err := hub.New(f.ctx, fs, hub.Config{Identity: f.hubID, Regions: regions(t), Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	changed := siti
	changed.Name = "Siti Aminah Lawing"
	_, err = h.ImportRoster(f.ctx, strings.NewReader(rosterCSV(t, changed, yohan, agnes, script)), "admin")
	if err == nil || !strings.Contains(err.Error(), "nothing was imported") || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("import with a refused row: %v", err)
	}
	if fs.ok >= 0 {
		t.Fatalf("the fault was not reached (%d calls left)", fs.ok)
	}
	if after := f.roster(t, villageA, villageB); !slices.Equal(after, before) {
		t.Fatalf("half an import stayed:\nbefore %+v\nafter  %+v", before, after)
	}
	if logAfter, _ := f.h.AuditLog(f.ctx, 0, 0); len(logAfter) != len(logBefore) {
		t.Fatalf("audit entries %d -> %d", len(logBefore), len(logAfter))
	}
}
