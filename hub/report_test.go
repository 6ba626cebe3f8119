package hub_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/targets"
)

// rec is one hand-built record for the report tests.
type rec struct {
	kind     record.Kind
	status   record.Status
	village  string
	captured string // YYYY-MM-DD
	received string // YYYY-MM-DD, "" for none
	fields   map[string]string
}

func date(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d.Add(10 * time.Hour)
}

// putRecords stores rs as the hub's records (PutRecord writes their report
// columns).
func putRecords(t testing.TB, ctx context.Context, st *sqlite.Store, rs []rec) {
	t.Helper()
	err := st.Update(ctx, func(tx hub.Tx) error {
		for i, r := range rs {
			created := hlc.New(date(t, r.captured).UnixMilli(), 0)
			s := &merge.State{ID: uuid.NewString(), Kind: r.kind, TrackingCode: strings.Repeat("A", 12), DeviceID: "dev-1",
				Officer: "Maria Hanyeq", Created: created, Updated: created, Status: r.status, Fields: map[string]merge.Field{}}
			s.TrackingCode = s.ID[:12]
			f := map[string]string{"village_code": r.village}
			for k, v := range r.fields {
				f[k] = v
			}
			for k, v := range f {
				s.Fields[k] = merge.Field{Write: merge.Write{Value: v, HLC: created, Device: "dev-1", OpID: uuid.NewString()}}
			}
			if r.received != "" {
				s.Events = append(s.Events, merge.Event{HLC: hlc.New(date(t, r.received).UnixMilli(), 0), Device: "dev-1",
					From: record.StatusSubmitted, To: record.StatusReceived})
			}
			if err := tx.PutRecord(hub.Record{State: s, Name: "rec " + string(rune('A'+i))}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// reportRecords: Mahakam Ulu in 2026, one of each case.
var reportRecords = []rec{
	// KTP-el: approved and married (due); 16 and unmarried (not due); pending (due).
	{record.KindEKTP, record.StatusApproved, "64.11.01.2001", "2026-03-01", "2026-03-02", map[string]string{"birth_date": "1985-03-12", "marital_status": "kawin"}},
	{record.KindEKTP, record.StatusReceived, "64.11.01.2001", "2026-03-01", "2026-03-03", map[string]string{"birth_date": "2010-01-01", "marital_status": "belum_kawin"}},
	{record.KindEKTP, record.StatusNeedsCorrection, "64.11.02.2001", "2026-04-01", "2026-04-02", map[string]string{"birth_date": "2000-01-01", "marital_status": "belum_kawin"}},
	// Births: on time (28 days), within a year (182), later, rejected (not counted).
	{record.KindBirth, record.StatusApproved, "64.11.01.2002", "2026-03-01", "2026-03-01", map[string]string{"birth_date": "2026-02-01"}},
	{record.KindBirth, record.StatusReceived, "64.11.02.2001", "2026-06-01", "2026-06-02", map[string]string{"birth_date": "2025-12-01"}},
	{record.KindBirth, record.StatusApproved, "64.11.03.2001", "2026-04-01", "2026-04-01", map[string]string{"birth_date": "2020-01-01"}},
	{record.KindBirth, record.StatusRejected, "64.11.03.2001", "2026-04-01", "2026-04-01", map[string]string{"birth_date": "2020-01-01"}},
	// Deaths: on time (19 days), within a year (73).
	{record.KindDeath, record.StatusApproved, "64.11.01.2001", "2026-05-20", "2026-05-21", map[string]string{"death_date": "2026-05-01"}},
	{record.KindDeath, record.StatusReceived, "64.11.04.2001", "2026-03-15", "2026-03-16", map[string]string{"death_date": "2026-01-01"}},
	// Captured before the period: not counted, but still in the backlog.
	{record.KindEKTP, record.StatusReceived, "64.11.01.2001", "2025-06-01", "2025-06-05", map[string]string{"birth_date": "1990-01-01", "marital_status": "kawin"}},
	// A village code in no list (a retired district): counted apart.
	{record.KindBirth, record.StatusApproved, "64.11.09.2001", "2026-02-01", "2026-02-01", map[string]string{"birth_date": "2026-01-20"}},
	// Elsewhere: East Kalimantan's Kutai Barat, and another province.
	{record.KindBirth, record.StatusApproved, "64.07.01.2001", "2026-02-01", "2026-02-01", map[string]string{"birth_date": "2026-01-20"}},
	{record.KindDeath, record.StatusApproved, "11.01.01.2001", "2026-02-01", "2026-02-01", map[string]string{"death_date": "2026-01-20"}},
}

const reportTargetsCSV = "kode,tahun,penduduk,wajib_ktp,cbr,cdr\n64.11,2026,39715,28000,20,5\n64.11.01,2026,10000,,,\n64.11,2025,39000,27000,,\n"

func reportFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	ts, err := targets.Parse("t.csv", strings.NewReader(reportTargetsCSV), regions(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.h.ImportTargets(f.ctx, "t.csv", ts); err != nil {
		t.Fatal(err)
	}
	putRecords(t, f.ctx, f.st, reportRecords)
	return f
}

func year2026(region string) hub.ReportQuery {
	return hub.ReportQuery{Region: region, From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
}

func near(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }

func TestCoverageFigures(t *testing.T) {
	f := reportFixture(t)
	rep, err := f.h.Coverage(f.ctx, regions(t), year2026("64.11"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Name != "Kabupaten Mahakam Ulu" || rep.Days != 365 || len(rep.Rows) != 6 {
		t.Fatalf("report %s %q, %d days, %d rows", rep.Region, rep.Name, rep.Days, len(rep.Rows))
	}
	tot := rep.Total
	if tot.Target == nil || tot.Target.Year != 2026 || tot.Target.WajibKTP != 28000 {
		t.Fatalf("total target %+v", tot.Target)
	}
	c := tot.Counts
	if c.KTP != (hub.KTPCounts{Approved: 1, Pending: 1}) {
		t.Errorf("KTP %+v, want 1 approved 1 pending (the 16-year-old is not due)", c.KTP)
	}
	if c.Births != (hub.Timeliness{OnTime: 2, WithinYear: 1, Later: 1}) {
		t.Errorf("births %+v", c.Births)
	}
	if c.Deaths != (hub.Timeliness{OnTime: 1, WithinYear: 1}) {
		t.Errorf("deaths %+v", c.Deaths)
	}
	wantFlow := map[record.Status]int64{record.StatusApproved: 5, record.StatusReceived: 3, record.StatusNeedsCorrection: 1, record.StatusRejected: 1}
	for s, n := range wantFlow {
		if c.Flow[s] != n {
			t.Errorf("flow %s = %d, want %d (%v)", s, c.Flow[s], n, c.Flow)
		}
	}
	if !near(tot.KTPCoverage, 100.0/28000) || !near(tot.KTPCoverageAll, 200.0/28000) {
		t.Errorf("KTP coverage %v %v", *tot.KTPCoverage, *tot.KTPCoverageAll)
	}
	// Expected births: 20 per 1000 × 39715 × 365/365 = 794.3.
	if !near(tot.BirthsExpected, 794.3) || !near(tot.BirthsOnTime, 200/794.3) || !near(tot.BirthsAll, 400/794.3) {
		t.Errorf("births expected %v on time %v all %v", *tot.BirthsExpected, *tot.BirthsOnTime, *tot.BirthsAll)
	}
	if !near(tot.DeathsExpected, 5*39.715) || !near(tot.DeathsOnTime, 100/(5*39.715)) {
		t.Errorf("deaths expected %v on time %v", *tot.DeathsExpected, *tot.DeathsOnTime)
	}
	// Backlog: four received records, one captured in 2025; the median is
	// halfway between the 2nd and 3rd (received 3 and 16 March).
	if b := c.Backlog; b.Count != 4 || !b.Oldest.Equal(date(t, "2025-06-05")) || !b.Median.Equal(date(t, "2026-03-03").Add(156*time.Hour)) {
		t.Errorf("backlog %+v", b)
	}
	if !near(tot.BacklogOldestDays, t0.Sub(date(t, "2025-06-05")).Hours()/24) {
		t.Errorf("backlog oldest %v days", *tot.BacklogOldestDays)
	}

	rows := map[string]hub.CoverageRow{}
	for _, r := range rep.Rows {
		rows[r.Region] = r
	}
	lb := rows["64.11.01"]
	if lb.Name != "Long Bagun" || lb.Target == nil || lb.Target.WajibKTP != 7000 || !lb.Target.WajibKTPEstimated {
		t.Errorf("Long Bagun %+v target %+v", lb, lb.Target)
	}
	// 16 per 1000 (default) × 10000 = 160 expected.
	if !near(lb.BirthsExpected, 160) || !near(lb.BirthsOnTime, 100.0/160) {
		t.Errorf("Long Bagun births %v %v", lb.BirthsExpected, lb.BirthsOnTime)
	}
	lh := rows["64.11.02"]
	if lh.Target != nil || lh.KTPCoverage != nil || lh.BirthsExpected != nil || lh.Counts.KTP.Pending != 1 {
		t.Errorf("Long Hubung has no target, figures must be nil: %+v", lh)
	}
	if u := rows["64.11.09"]; u.Name != "(not in the region list)" || u.Counts.Births.OnTime != 1 {
		t.Errorf("unlisted district: %+v", u)
	}
	if r := rows["64.11.05"]; r.Counts.Flow == nil || len(r.Counts.Flow) != 0 {
		t.Errorf("Long Pahangai has nothing: %+v", r.Counts)
	}

	// Another period: 2025's target, one record.
	q := year2026("64.11")
	q.From, q.To = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	rep, err = f.h.Coverage(f.ctx, regions(t), q)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Days != 181 || rep.Total.Target == nil || rep.Total.Target.Year != 2025 || rep.Total.Counts.Flow[record.StatusReceived] != 1 {
		t.Errorf("2025: %d days, target %+v, flow %v", rep.Days, rep.Total.Target, rep.Total.Counts.Flow)
	}
	if !near(rep.Total.BirthsExpected, 16*39.0*181/365) {
		t.Errorf("2025 births expected %v", *rep.Total.BirthsExpected)
	}
}

// sumRows adds up a report's rows.
func sumRows(rep *hub.CoverageReport) hub.RegionCounts {
	var s hub.RegionCounts
	for _, r := range rep.Rows {
		s.Add(r.Counts)
	}
	return s
}

func sameCounts(t *testing.T, what string, a, b hub.RegionCounts) {
	t.Helper()
	if a.KTP != b.KTP || a.Births != b.Births || a.Deaths != b.Deaths || a.Backlog.Count != b.Backlog.Count {
		t.Errorf("%s: %+v != %+v", what, a, b)
	}
	for _, s := range []record.Status{record.StatusApproved, record.StatusReceived, record.StatusRejected, record.StatusNeedsCorrection} {
		if a.Flow[s] != b.Flow[s] {
			t.Errorf("%s: flow %s %d != %d", what, s, a.Flow[s], b.Flow[s])
		}
	}
}

func TestCoverageDrillDownSums(t *testing.T) {
	f := reportFixture(t)
	reps := map[string]*hub.CoverageReport{}
	for _, code := range []string{"", "64", "64.11", "64.11.01"} {
		rep, err := f.h.Coverage(f.ctx, regions(t), year2026(code))
		if err != nil {
			t.Fatal(err)
		}
		reps[code] = rep
		sameCounts(t, "rows of "+code+" sum to its total", sumRows(rep), rep.Total.Counts)
	}
	if n := len(reps[""].Rows); n != 38 {
		t.Errorf("Indonesia: %d rows, want the 38 provinces", n)
	}
	// A child row in a report is the total of the report on that child.
	for parent, child := range map[string]string{"": "64", "64": "64.11", "64.11": "64.11.01"} {
		for _, r := range reps[parent].Rows {
			if r.Region == child {
				sameCounts(t, child+" in "+parent, r.Counts, reps[child].Total.Counts)
				if r.Counts.Backlog != reps[child].Total.Counts.Backlog {
					t.Errorf("%s backlog in %s: %+v != %+v", child, parent, r.Counts.Backlog, reps[child].Total.Counts.Backlog)
				}
			}
		}
	}
	if tot := reps["64.11.01"].Total; tot.Target == nil || tot.Target.Population != 10000 {
		t.Errorf("Long Bagun's own target: %+v", tot.Target)
	}
	// Villages have no targets: no figures made up.
	for _, r := range reps["64.11.01"].Rows {
		if r.Target != nil || r.KTPCoverage != nil {
			t.Errorf("village %s: %+v", r.Region, r)
		}
	}
	// Indonesia: provinces without targets, so no total target.
	if reps[""].Total.Target != nil {
		t.Errorf("Indonesia total target %+v", reps[""].Total.Target)
	}
}

func TestCoverageBadRegion(t *testing.T) {
	f := newFixture(t)
	for _, code := range []string{"64.99", "64.11.01.2001", "xx"} {
		if _, err := f.h.Coverage(f.ctx, regions(t), year2026(code)); err == nil {
			t.Errorf("%s: no error", code)
		}
	}
	q := year2026("64.11")
	q.From, q.To = q.To, q.From
	if _, err := f.h.Coverage(f.ctx, regions(t), q); err == nil {
		t.Error("reversed period: no error")
	}
}

func TestImportTargetsAllOrNothing(t *testing.T) {
	f := newFixture(t)
	good := []hub.Target{{Region: "64.11", Year: 2026, Population: 100, WajibKTP: 70, CBR: 16, CDR: 6.5}}
	if err := f.h.ImportTargets(f.ctx, "good.csv", good); err != nil {
		t.Fatal(err)
	}
	bad := []hub.Target{
		{Region: "64.11", Year: 2026, Population: 999, WajibKTP: 1, CBR: 16, CDR: 6.5},
		{Region: "64.99", Year: 2026, Population: 5, CBR: 16, CDR: 6.5},
	}
	if err := f.h.ImportTargets(f.ctx, "bad.csv", bad); err == nil {
		t.Fatal("unknown region imported")
	}
	// The store's own transaction: a failure after the inserts undoes them.
	boom := errors.New("boom")
	if err := f.st.PutTargets(f.ctx, bad[:1], func(hub.Tx) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	got, err := f.h.Targets(f.ctx, []string{"64.11", "64.99"}, 2030)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["64.11"] != good[0] {
		t.Errorf("targets changed: %+v", got)
	}
	entries, err := f.h.AuditLog(f.ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != hub.AuditTargets || entries[0].Target != "good.csv" {
		t.Errorf("audit: %+v", entries)
	}
}

func TestReportColumns(t *testing.T) {
	created := hlc.New(date(t, "2026-03-01").UnixMilli(), 0)
	st := &merge.State{Kind: record.KindBirth, Created: created, Fields: map[string]merge.Field{
		"birth_date": {Write: merge.Write{Value: "2026-03-02"}}}}
	// A capture before the event (a laptop clock behind) gives a negative delay: on time.
	if got := sqlite.ReportColumns(st); got[0] != created.WallMs() || got[1] != "2026-03-02" || got[2] != int64(-1) || got[3] != 0 {
		t.Errorf("birth: %v", got)
	}
	st.Fields["birth_date"] = merge.Field{Write: merge.Write{Value: "bukan tanggal"}}
	if got := sqlite.ReportColumns(st); got[2] != nil {
		t.Errorf("unreadable date: delay %v, want NULL", got[2])
	}
	st.Kind = record.KindEKTP
	st.Fields["birth_date"] = merge.Field{Write: merge.Write{Value: "2009-03-01"}} // 17 on the capture day
	if got := sqlite.ReportColumns(st); got[3] != 1 {
		t.Errorf("17 today: ktp_due %v", got[3])
	}
	st.Fields["birth_date"] = merge.Field{Write: merge.Write{Value: "2009-03-02"}}
	if got := sqlite.ReportColumns(st); got[3] != 0 {
		t.Errorf("17 tomorrow: ktp_due %v", got[3])
	}
	st.Fields["marital_status"] = merge.Field{Write: merge.Write{Value: "kawin"}}
	if got := sqlite.ReportColumns(st); got[3] != 1 {
		t.Errorf("married at 16: ktp_due %v", got[3])
	}
}

// A village with no imported target takes its KTP-el target from the
// roster: residents aged 17 or older on the period's last day. It has no
// birth or death target; a village with an imported target keeps it.
func TestCoverageVillageTargetFromRoster(t *testing.T) {
	f := reportFixture(t)
	ts, err := targets.Parse("v.csv", strings.NewReader("kode,tahun,penduduk,wajib_ktp\n64.11.01.2002,2026,500,300\n"), regions(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.h.ImportTargets(f.ctx, "v.csv", ts); err != nil {
		t.Fatal(err)
	}
	f.importRoster(t, rosterCSV(t,
		resident(1, "Siti Aminah", "P", "1985-03-12", "64.11.01.2001"),
		resident(2, "Ma'ruf Hulau", "L", "1990-07-04", "64.11.01.2001"),
		resident(3, "Lusia Bulan", "P", "2009-12-31", "64.11.01.2001"), // 17 on the last day
		resident(4, "Yohanes Lawing", "L", "2015-06-01", "64.11.01.2001"),
		resident(5, "Agnes Ding", "P", "1970-12-22", "64.11.01.2002"), // has an imported target
	))
	rep, err := f.h.Coverage(f.ctx, regions(t), year2026("64.11.01"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]hub.CoverageRow{}
	for _, r := range rep.Rows {
		rows[r.Region] = r
	}
	a := rows["64.11.01.2001"]
	if a.Target == nil || a.TargetFrom != hub.TargetFromRoster || a.Target.WajibKTP != 3 || a.Target.Population != 4 {
		t.Fatalf("64.11.01.2001: target %+v from %q, want 3 of 4 residents from the roster", a.Target, a.TargetFrom)
	}
	// One approved KTP-el record of someone due, of three due.
	if !near(a.KTPCoverage, 100.0/3) || a.BirthsExpected != nil || a.DeathsExpected != nil || a.BirthsOnTime != nil {
		t.Errorf("64.11.01.2001 figures: ktp %v births %v deaths %v", a.KTPCoverage, a.BirthsExpected, a.DeathsExpected)
	}
	if b := rows["64.11.01.2002"]; b.Target == nil || b.TargetFrom != "" || b.Target.WajibKTP != 300 || b.BirthsExpected == nil {
		t.Errorf("64.11.01.2002 keeps its imported target: %+v from %q", b.Target, b.TargetFrom)
	}
	if c := rows["64.11.01.2003"]; c.Target != nil {
		t.Errorf("a village in neither: target %+v", c.Target)
	}
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "resident roster") || !strings.Contains(rep.Notes[0], "1 village(s)") {
		t.Errorf("notes %q", rep.Notes)
	}
	var csv strings.Builder
	if err := hub.WriteCoverageCSV(&csv, rep); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(csv.String(), "\r\n")
	if !strings.HasSuffix(lines[0], ",target_source") || !strings.HasPrefix(lines[1], "64.11.01.2001,") || !strings.HasSuffix(lines[1], ",roster") ||
		!strings.HasSuffix(lines[2], ",import") || !strings.HasSuffix(lines[3], ",") {
		t.Errorf("CSV:\n%s", csv.String())
	}
	// The district's own report is unchanged: it has its imported target.
	if rep, err := f.h.Coverage(f.ctx, regions(t), year2026("64.11")); err != nil || len(rep.Notes) != 0 || rep.Rows[0].TargetFrom != "" {
		t.Errorf("64.11: %v %+v", err, rep)
	}
}
