package hub

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/roster"
	"github.com/jemputbola/jemput/internal/targets"
	"github.com/jemputbola/jemput/internal/wilayah"
)

// Target is what one region is expected to register in one year (see
// internal/targets for the CSV it comes from and the defaults it fills).
type Target = targets.Target

// Legal registration windows (days from the event to its capture).
const (
	BirthWindowDays = 60
	DeathWindowDays = 30
)

// AuditTargets is the audit action of a targets import.
const AuditTargets = "targets.import"

// ReportStore is what the coverage report needs of a store beyond Tx.
// *sqlite.Store implements it.
type ReportStore interface {
	// PutTargets inserts or replaces targets by (region, year), and runs
	// also (if not nil) in the same transaction: all or nothing.
	PutTargets(ctx context.Context, ts []Target, also func(Tx) error) error
	// Targets are, for each of regions that has one, its target of the
	// latest year not after year.
	Targets(ctx context.Context, regions []string, year int) (map[string]Target, error)
	// Coverage counts the records under q.Under, grouped by the first
	// q.Depth characters of their village code.
	Coverage(ctx context.Context, q CoverageQuery) (CoverageCounts, error)
	// DeviceFlow counts the records under q.Under captured in the period
	// by the device that made them and status (Depth is ignored).
	DeviceFlow(ctx context.Context, q CoverageQuery) (map[string]map[record.Status]int64, error)
	// Daily counts the records under q.Under captured in the period by
	// day (days since 1970-01-01 UTC) and kind.
	Daily(ctx context.Context, q CoverageQuery) (map[int64]map[record.Kind]int64, error)
	// RosterCounts counts, for each of villages with residents in the
	// roster, its residents and those born on or before adultBorn
	// (YYYY-MM-DD: aged 17 or older).
	RosterCounts(ctx context.Context, villages []string, adultBorn string) (map[string]RosterCount, error)
}

// RosterCount is a village's residents in the roster.
type RosterCount struct {
	Residents int64
	WajibKTP  int64 // residents aged 17 or older
}

// TargetFromRoster is CoverageRow.TargetFrom for a village whose target
// was counted from the resident roster, with no target imported for it.
const TargetFromRoster = "roster"

// CoverageQuery selects what Coverage counts.
type CoverageQuery struct {
	Under string // region code prefix ("64.11"); "" for every record
	// Depth is the length of the group codes: 2 (provinces), 5
	// (regencies), 8 (districts) or 13 (villages).
	Depth int
	// From and To bound the capture time (State.Created): [From, To).
	// The backlog is not bounded by them: it is what waits now.
	From, To time.Time
}

// CoverageCounts are Coverage's groups, by code, and their total (which
// also holds the backlog median over all of them).
type CoverageCounts struct {
	Groups []RegionCounts // by Region
	Total  RegionCounts
}

// RegionCounts are the records of one region captured in a period.
type RegionCounts struct {
	Region string `json:"region"`
	// Flow is every record by status, all kinds.
	Flow map[record.Status]int64 `json:"flow"`
	// KTP counts KTP-el records of residents who must hold one (17 or
	// older at capture, or ever married).
	KTP    KTPCounts  `json:"ktp"`
	Births Timeliness `json:"births"`
	Deaths Timeliness `json:"deaths"`
	// Backlog is the records awaiting review now, whenever captured.
	Backlog Backlog `json:"backlog"`
}

// KTPCounts are KTP-el records of residents due one.
type KTPCounts struct {
	Approved int64 `json:"approved"`
	Pending  int64 `json:"pending"` // received or needing correction
}

// Timeliness buckets registrations (received, approved or needing
// correction: not rejected or withdrawn) by the delay from the event to
// capture: within the legal window, within a year, later; Unknown have no
// readable event date.
type Timeliness struct {
	OnTime     int64 `json:"on_time"`
	WithinYear int64 `json:"within_year"`
	Later      int64 `json:"later"`
	Unknown    int64 `json:"unknown,omitempty"`
}

// Total is every registration counted.
func (t Timeliness) Total() int64 { return t.OnTime + t.WithinYear + t.Later + t.Unknown }

func (t *Timeliness) add(o Timeliness) {
	t.OnTime += o.OnTime
	t.WithinYear += o.WithinYear
	t.Later += o.Later
	t.Unknown += o.Unknown
}

// Backlog is the records awaiting review, by how long they have waited
// since they were received.
type Backlog struct {
	Count int64 `json:"count"`
	// Oldest and Median are when the oldest and the median waiting record
	// were received; zero when none waits.
	Oldest time.Time `json:"oldest,omitzero"`
	Median time.Time `json:"median,omitzero"`
}

// Add adds o's counts to c (not the backlog's times).
func (c *RegionCounts) Add(o RegionCounts) {
	if c.Flow == nil {
		c.Flow = map[record.Status]int64{}
	}
	for s, n := range o.Flow {
		c.Flow[s] += n
	}
	c.KTP.Approved += o.KTP.Approved
	c.KTP.Pending += o.KTP.Pending
	c.Births.add(o.Births)
	c.Deaths.add(o.Deaths)
	c.Backlog.Count += o.Backlog.Count
}

// ReportQuery is a coverage report request.
type ReportQuery struct {
	Region string // its children are the rows; "" for the provinces
	// From and To are the first and last day of the period (dates, UTC).
	From, To time.Time
}

// CoverageReport is the coverage of each child region of Region.
type CoverageReport struct {
	Region string    `json:"region"` // "" for Indonesia
	Name   string    `json:"name"`
	From   string    `json:"from"` // YYYY-MM-DD
	To     string    `json:"to"`   // inclusive
	Days   int       `json:"days"`
	AsOf   time.Time `json:"as_of"` // the backlog's ages are at this time
	// Rows are the child regions, by code, then any records whose village
	// code is in no child (Name "(not in the region list)").
	Rows []CoverageRow `json:"rows"`
	// Total is Region itself: the sum of the rows' counts; its target is
	// Region's own, or else the sum of every row's when all have one.
	Total CoverageRow `json:"total"`
	// Notes say where figures come from when not from imported targets.
	Notes []string `json:"notes,omitempty"`
}

// CoverageRow is one region's figures. Percentages are nil where the
// region has no target ("no target"): none is ever made up.
type CoverageRow struct {
	Region string  `json:"region"`
	Name   string  `json:"name"`
	Target *Target `json:"target,omitempty"`
	// TargetFrom is TargetFromRoster when Target was counted from the
	// resident roster (a village with no imported target): population and
	// residents aged 17 or older on the period's last day. It has no
	// birth or death rates, so only the KTP-el figures have a target.
	TargetFrom string       `json:"target_from,omitempty"`
	Counts     RegionCounts `json:"counts"`
	// KTPCoverage is approved KTP-el records over the residents due one,
	// in percent; KTPCoverageAll counts pending ones too.
	KTPCoverage    *float64 `json:"ktp_coverage_pct"`
	KTPCoverageAll *float64 `json:"ktp_coverage_incl_pending_pct"`
	// Expected = crude rate × population / 1000 × days / 365.
	BirthsExpected *float64 `json:"births_expected"`
	// BirthsOnTime is registrations within the legal window over expected,
	// in percent; BirthsAll is every registration.
	BirthsOnTime   *float64 `json:"births_on_time_pct"`
	BirthsAll      *float64 `json:"births_all_pct"`
	DeathsExpected *float64 `json:"deaths_expected"`
	DeathsOnTime   *float64 `json:"deaths_on_time_pct"`
	DeathsAll      *float64 `json:"deaths_all_pct"`
	// Backlog ages in days at AsOf; nil when nothing waits.
	BacklogOldestDays *float64 `json:"backlog_oldest_days"`
	BacklogMedianDays *float64 `json:"backlog_median_days"`
}

// RegionTree is the part of the region list the report needs
// (*wilayah.Tree).
type RegionTree interface {
	Lookup(code string) (wilayah.Region, bool)
	Children(code string) []wilayah.Region
}

// ErrNoReports is returned when the store cannot compute reports.
var ErrNoReports = errors.New("this store has no coverage reports")

func (h *Hub) reportStore() (ReportStore, error) {
	rs, ok := h.store.(ReportStore)
	if !ok {
		return nil, ErrNoReports
	}
	return rs, nil
}

// ImportTargets stores ts (all or none), with an audit entry.
func (h *Hub) ImportTargets(ctx context.Context, source string, ts []Target) error {
	rs, err := h.reportStore()
	if err != nil {
		return err
	}
	for _, t := range ts {
		if _, ok := h.env.Regions.Lookup(t.Region); !ok {
			return fmt.Errorf("targets: unknown region code %q (nothing was imported)", t.Region)
		}
		if t.Population < 0 || t.WajibKTP < 0 || t.CBR < 0 || t.CDR < 0 {
			return fmt.Errorf("targets: %s %d: negative figure (nothing was imported)", t.Region, t.Year)
		}
	}
	years := map[int]bool{}
	for _, t := range ts {
		years[t.Year] = true
	}
	return rs.PutTargets(ctx, ts, func(tx Tx) error {
		return h.audit(tx, actorOf(ctx, "cli"), AuditTargets, source, fmt.Sprintf("%d targets for %d year(s)", len(ts), len(years)))
	})
}

// Targets are the targets of regions (the latest year not after year).
func (h *Hub) Targets(ctx context.Context, regions []string, year int) (map[string]Target, error) {
	rs, err := h.reportStore()
	if err != nil {
		return nil, err
	}
	return rs.Targets(ctx, regions, year)
}

var depthOf = map[wilayah.Level]int{wilayah.Province: 2, wilayah.Regency: 5, wilayah.District: 8, wilayah.Village: 13}

// Coverage computes the coverage report of q.Region's children over the
// period. A region code that is not in tree, or a village (which has no
// children), is an error.
func (h *Hub) Coverage(ctx context.Context, tree RegionTree, q ReportQuery) (*CoverageReport, error) {
	rs, err := h.reportStore()
	if err != nil {
		return nil, err
	}
	from, to := day(q.From), day(q.To)
	if to.Before(from) {
		return nil, fmt.Errorf("period ends (%s) before it starts (%s)", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	rep := &CoverageReport{Name: "Indonesia", From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
		Days: int(to.Sub(from)/(24*time.Hour)) + 1, AsOf: h.now().UTC()}
	cq := CoverageQuery{Depth: 2, From: from, To: to.AddDate(0, 0, 1)}
	if q.Region != "" {
		reg, ok := tree.Lookup(q.Region)
		if !ok {
			return nil, fmt.Errorf("unknown region code %q", q.Region)
		}
		if reg.Level == wilayah.Village {
			return nil, fmt.Errorf("%s %s is a village: it has no regions below it (report its district %s)", reg.Code, reg.Name, reg.Code[:8])
		}
		rep.Region, rep.Name = reg.Code, reg.Name
		cq.Under, cq.Depth = reg.Code, depthOf[reg.Level+1]
	}
	counts, err := rs.Coverage(ctx, cq)
	if err != nil {
		return nil, err
	}
	byCode := make(map[string]RegionCounts, len(counts.Groups))
	for _, g := range counts.Groups {
		byCode[g.Region] = g
	}
	children := tree.Children(rep.Region)
	codes := make([]string, 0, len(children)+1)
	for _, c := range children {
		codes = append(codes, c.Code)
	}
	if rep.Region != "" {
		codes = append(codes, rep.Region)
	}
	tgs, err := rs.Targets(ctx, codes, to.Year())
	if err != nil {
		return nil, err
	}
	// Villages without an imported target: the roster, if it has their
	// residents, gives the KTP-el denominator.
	fromRoster := map[string]bool{}
	var missing []string
	for _, c := range children {
		if _, ok := tgs[c.Code]; !ok && c.Level == wilayah.Village {
			missing = append(missing, c.Code)
		}
	}
	if len(missing) > 0 {
		rc, err := rs.RosterCounts(ctx, missing, roster.BornOnOrBefore(to, record.EKTPMinAge))
		if err != nil {
			return nil, err
		}
		for code, n := range rc {
			tgs[code] = Target{Region: code, Year: to.Year(), Population: n.Residents, WajibKTP: n.WajibKTP}
			fromRoster[code] = true
		}
		if len(rc) > 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf("KTP-el due in %d village(s) with no imported target counted from the resident roster: residents aged 17 or older on %s (no birth or death target for them).",
				len(rc), rep.To))
		}
	}
	var sum Target
	anyRoster := false
	allTargets := len(children) > 0
	for _, c := range children {
		row := CoverageRow{Region: c.Code, Name: c.Name, Counts: byCode[c.Code]}
		row.Counts.Region = c.Code
		if row.Counts.Flow == nil {
			row.Counts.Flow = map[record.Status]int64{}
		}
		delete(byCode, c.Code)
		if t, ok := tgs[c.Code]; ok {
			if fromRoster[c.Code] {
				row.TargetFrom, anyRoster = TargetFromRoster, true
			}
			row.Target = &t
			sum.Population += t.Population
			sum.WajibKTP += t.WajibKTP
			sum.CBR += t.CBR * float64(t.Population) // weighted, divided below
			sum.CDR += t.CDR * float64(t.Population)
		} else {
			allTargets = false
		}
		rep.Rows = append(rep.Rows, row)
	}
	// Records whose village code is in no child: still counted, shown apart.
	for _, g := range counts.Groups {
		if _, left := byCode[g.Region]; left {
			rep.Rows = append(rep.Rows, CoverageRow{Region: g.Region, Name: "(not in the region list)", Counts: g})
		}
	}
	rep.Total = CoverageRow{Region: rep.Region, Name: rep.Name, Counts: counts.Total}
	rep.Total.Counts.Region = rep.Region
	if t, ok := tgs[rep.Region]; ok && rep.Region != "" {
		rep.Total.Target = &t
	} else if allTargets {
		if sum.Population > 0 {
			sum.CBR /= float64(sum.Population)
			sum.CDR /= float64(sum.Population)
		}
		sum.Region, sum.Year = rep.Region, to.Year()
		rep.Total.Target = &sum
		if anyRoster {
			rep.Total.TargetFrom = TargetFromRoster
		}
	}
	for i := range rep.Rows {
		rep.Rows[i].figures(rep.Days, rep.AsOf)
	}
	rep.Total.figures(rep.Days, rep.AsOf)
	return rep, nil
}

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func pct(n int64, of float64) *float64 {
	if of <= 0 {
		return nil
	}
	v := 100 * float64(n) / of
	return &v
}

func (r *CoverageRow) figures(days int, asOf time.Time) {
	c := r.Counts
	if b := c.Backlog; b.Count > 0 && !b.Oldest.IsZero() {
		o, m := asOf.Sub(b.Oldest).Hours()/24, asOf.Sub(b.Median).Hours()/24
		r.BacklogOldestDays, r.BacklogMedianDays = &o, &m
	}
	t := r.Target
	if t == nil {
		return
	}
	r.KTPCoverage = pct(c.KTP.Approved, float64(t.WajibKTP))
	r.KTPCoverageAll = pct(c.KTP.Approved+c.KTP.Pending, float64(t.WajibKTP))
	if r.TargetFrom == TargetFromRoster {
		return // a head count has no birth or death rates: nothing is made up
	}
	be := t.CBR * float64(t.Population) / 1000 * float64(days) / 365
	de := t.CDR * float64(t.Population) / 1000 * float64(days) / 365
	r.BirthsExpected, r.DeathsExpected = &be, &de
	r.BirthsOnTime, r.BirthsAll = pct(c.Births.OnTime, be), pct(c.Births.Total(), be)
	r.DeathsOnTime, r.DeathsAll = pct(c.Deaths.OnTime, de), pct(c.Deaths.Total(), de)
}
