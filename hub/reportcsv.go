package hub

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/jemputbola/jemput/internal/record"
)

// CoverageCSVHeader: one row per region; empty cells where the region has
// no target. Backlog columns are the dates the oldest and the median
// waiting record were received. target_source is "import" for an imported
// target, "roster" for a village's counted from the resident roster (KTP-el
// only), empty for none.
var CoverageCSVHeader = []string{"region", "name", "population", "wajib_ktp", "wajib_ktp_estimated",
	"ktp_approved", "ktp_pending", "ktp_coverage_pct", "ktp_coverage_incl_pending_pct",
	"births_on_time", "births_within_year", "births_later", "births_expected", "births_on_time_pct", "births_all_pct",
	"deaths_on_time", "deaths_within_year", "deaths_later", "deaths_expected", "deaths_on_time_pct", "deaths_all_pct",
	"captured", "awaiting_review", "approved", "needs_correction", "rejected", "withdrawn",
	"backlog", "backlog_oldest_received", "backlog_median_received", "target_source"}

// WriteCoverageCSV writes rep as RFC 4180 CSV, one row per region: the
// CLI's --csv and the web page's download are the same bytes.
func WriteCoverageCSV(w io.Writer, rep *CoverageReport) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180
	if err := cw.Write(CoverageCSVHeader); err != nil {
		return err
	}
	for _, r := range rep.Rows {
		c := r.Counts
		row := []string{r.Region, r.Name, "", "", ""}
		if t := r.Target; t != nil {
			row = []string{r.Region, r.Name, itoa(t.Population), itoa(t.WajibKTP), strconv.FormatBool(t.WajibKTPEstimated)}
		}
		row = append(row, itoa(c.KTP.Approved), itoa(c.KTP.Pending), FormatPct(r.KTPCoverage, 2), FormatPct(r.KTPCoverageAll, 2),
			itoa(c.Births.OnTime), itoa(c.Births.WithinYear), itoa(c.Births.Later), FormatPct(r.BirthsExpected, 1), FormatPct(r.BirthsOnTime, 2), FormatPct(r.BirthsAll, 2),
			itoa(c.Deaths.OnTime), itoa(c.Deaths.WithinYear), itoa(c.Deaths.Later), FormatPct(r.DeathsExpected, 1), FormatPct(r.DeathsOnTime, 2), FormatPct(r.DeathsAll, 2),
			itoa(c.Captured()), itoa(c.Flow[record.StatusReceived]), itoa(c.Flow[record.StatusApproved]),
			itoa(c.Flow[record.StatusNeedsCorrection]), itoa(c.Flow[record.StatusRejected]), itoa(c.Flow[record.StatusWithdrawn]),
			itoa(c.Backlog.Count), dateOf(c.Backlog.Oldest), dateOf(c.Backlog.Median), targetSource(r))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Captured is every record counted, whatever its status.
func (c RegionCounts) Captured() int64 {
	var n int64
	for _, v := range c.Flow {
		n += v
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// FormatPct formats an optional figure; "" when there is none (no target).
func FormatPct(p *float64, prec int) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', prec, 64)
}

func dateOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func targetSource(r CoverageRow) string {
	switch {
	case r.Target == nil:
		return ""
	case r.TargetFrom != "":
		return r.TargetFrom
	}
	return "import"
}
