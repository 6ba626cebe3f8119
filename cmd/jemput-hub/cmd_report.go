package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/targets"
	"github.com/jemputbola/jemput/internal/wilayah"
)

const targetsHelp = `targets import FILE.csv: imports coverage targets by region code, all or nothing (a bad row is
named by line and column, and nothing changes). Two shapes, told apart by the header:
  kode,tahun,penduduk[,wajib_ktp][,cbr][,cdr]   per region and year; cbr/cdr per 1000 residents
  kode,nama,pria,wanita,total                   population only, for --year
Missing wajib_ktp is estimated as 70% of the population; missing rates default to the
Indonesia-wide approximations CBR 16.0 and CDR 6.5 per 1000. Importing a region and year again
replaces it.
targets import --default: the shipped population of every province and regency (Kemendagri
via cahyadsn/wilayah, MIT licence) for --year.`

func cmdTargets(ctx context.Context, s stdio, args []string) error {
	if len(args) == 0 {
		return usageErr("targets needs a subcommand: import")
	}
	switch args[0] {
	case "import":
	case "-h", "--help", "-help", "help":
		var c common
		newFlags(s, "targets", "import FILE.csv|--default", targetsHelp, &c, true).Usage()
		return errHelp
	default:
		return usageErr("unknown targets subcommand %q (import)", args[0])
	}
	var c common
	var def bool
	var year int
	fs := newFlags(s, "targets import", "FILE.csv|--default", targetsHelp, &c, true)
	byFlag(s, fs, &c)
	fs.BoolVar(&def, "default", false, "import the shipped regency populations")
	fs.IntVar(&year, "year", time.Now().Year(), "the year of --default and of files without a tahun column")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	switch {
	case def && len(pos) > 0:
		return usageErr("give a FILE.csv or --default, not both")
	case !def && len(pos) != 1:
		return usageErr("targets import needs one FILE.csv (or --default)")
	case year < 1900 || year > 2200:
		return usageErr("--year %d is not a year", year)
	}
	tree, err := wilayah.Load()
	if err != nil {
		return err
	}
	var ts []hub.Target
	source := "default penduduk.csv"
	if def {
		ts, err = targets.Default(tree, year)
	} else {
		source = pos[0]
		var f *os.File
		if f, err = os.Open(source); err != nil {
			return err
		}
		ts, err = targets.Parse(source, f, tree, year)
		f.Close()
	}
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		return fmt.Errorf("%s has no targets (nothing was imported)", source)
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	if err := sess.hub.ImportTargets(c.actor(ctx), source, ts); err != nil {
		return err
	}
	estimated, years := 0, map[int]bool{}
	for _, t := range ts {
		if t.WajibKTPEstimated {
			estimated++
		}
		years[t.Year] = true
	}
	if c.json {
		return writeJSON(s.Out, map[string]any{"source": source, "imported": len(ts), "years": len(years), "wajib_ktp_estimated": estimated})
	}
	fmt.Fprintf(s.Out, "Imported %d targets (%d year(s)) from %s.\n", len(ts), len(years), source)
	if estimated > 0 {
		fmt.Fprintf(s.Out, "Residents due a KTP-el estimated as %.0f%% of the population for %d of them (no wajib_ktp column).\n",
			100*targets.WajibKTPShare, estimated)
	}
	return nil
}

const reportHelp = `report coverage: for each region below --region (the provinces by default), over the period
of capture dates --from to --to (inclusive; default this year to today, UTC):
  KTP-el: approved records of residents due one (17+ or married) over the imported target
  births and deaths: registered within the legal window (60 / 30 days), within a year, later,
    over expected = crude rate x population / 1000 x days / 365
  flow: records captured by status, and the review backlog (oldest and median wait)
A region without an imported target shows "no target": nothing is made up. --csv prints one row
per region (RFC 4180) for spreadsheets.`

func cmdReport(ctx context.Context, s stdio, args []string) error {
	if len(args) == 0 {
		return usageErr("report needs a subcommand: coverage")
	}
	switch args[0] {
	case "coverage":
	case "devices", "monthly":
		return cmdReportFlow(ctx, s, args[0], args[1:])
	case "-h", "--help", "-help", "help":
		var c common
		newFlags(s, "report", "coverage|devices|monthly", reportHelp, &c, true).Usage()
		return errHelp
	default:
		return usageErr("unknown report subcommand %q (coverage, devices, monthly)", args[0])
	}
	var c common
	var region, from, to string
	var asCSV bool
	fs := newFlags(s, "report coverage", "", reportHelp, &c, true)
	fs.StringVar(&region, "region", "", "region code whose children are reported (default: the provinces)")
	fs.StringVar(&from, "from", "", "first capture date, YYYY-MM-DD (default: 1 January this year)")
	fs.StringVar(&to, "to", "", "last capture date, YYYY-MM-DD (default: today)")
	fs.BoolVar(&asCSV, "csv", false, "print CSV")
	if err := parseNoArgs(fs, args[1:]); err != nil {
		return err
	}
	if asCSV && c.json {
		return usageErr("--csv or --json, not both")
	}
	now := time.Now().UTC()
	q := hub.ReportQuery{From: time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC), To: now}
	for _, d := range []struct {
		flag, v string
		p       *time.Time
	}{{"from", from, &q.From}, {"to", to, &q.To}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.v)
		if err != nil {
			return usageErr("--%s %q is not a date (want YYYY-MM-DD)", d.flag, d.v)
		}
		*d.p = t
	}
	if q.To.Before(q.From) {
		return usageErr("--to %s is before --from %s", q.To.Format(time.DateOnly), q.From.Format(time.DateOnly))
	}
	tree, err := wilayah.Load()
	if err != nil {
		return err
	}
	if region != "" {
		r, ok := tree.Lookup(region)
		if !ok {
			if _, err := wilayah.NormalizeCode(region); err != nil {
				return usageErr("--region %q: %v", region, err)
			}
			return usageErr("--region %s is not in the region list", region)
		}
		if r.Level == wilayah.Village {
			return usageErr("--region %s is a village: nothing is below it (try its district %s)", r.Code, r.Code[:8])
		}
		q.Region = r.Code
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	rep, err := sess.hub.Coverage(ctx, tree, q)
	if err != nil {
		return err
	}
	switch {
	case c.json:
		return writeJSON(s.Out, rep)
	case asCSV:
		return writeCoverageCSV(s.Out, rep)
	}
	return writeCoverageTable(s.Out, rep)
}

func writeCoverageCSV(w io.Writer, rep *hub.CoverageReport) error {
	return hub.WriteCoverageCSV(w, rep)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func captured(c hub.RegionCounts) int64 { return c.Captured() }

func writeCoverageTable(w io.Writer, rep *hub.CoverageReport) error {
	name := rep.Name
	if rep.Region != "" {
		name += " (" + rep.Region + ")"
	}
	fmt.Fprintf(w, "Coverage, %s: records captured %s to %s (%d days)\n\n", name, rep.From, rep.To, rep.Days)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tNAME\tKTP-EL APPROVED/DUE\tBIRTHS ON TIME/EXPECTED\t<1Y\tLATER\tDEATHS ON TIME/EXPECTED\t<1Y\tLATER\tCAPTURED\tAPPROVED\tWAITING\tCORRECTION\tREJECTED\tBACKLOG OLDEST/MEDIAN")
	line := func(r hub.CoverageRow) {
		c := r.Counts
		var due *float64
		if r.Target != nil {
			d := float64(r.Target.WajibKTP)
			due = &d
		}
		backlog := "-"
		if r.BacklogOldestDays != nil {
			backlog = fmt.Sprintf("%d: %.0fd/%.0fd", c.Backlog.Count, *r.BacklogOldestDays, *r.BacklogMedianDays)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Region, r.Name,
			share(c.KTP.Approved, due, r.KTPCoverage),
			share(c.Births.OnTime, r.BirthsExpected, r.BirthsOnTime), c.Births.WithinYear, c.Births.Later,
			share(c.Deaths.OnTime, r.DeathsExpected, r.DeathsOnTime), c.Deaths.WithinYear, c.Deaths.Later,
			captured(c), c.Flow[record.StatusApproved], c.Flow[record.StatusReceived], c.Flow[record.StatusNeedsCorrection],
			c.Flow[record.StatusRejected], backlog)
	}
	for _, r := range rep.Rows {
		line(r)
	}
	total := rep.Total
	if total.Region == "" {
		total.Region = "ID"
	}
	total.Name = "TOTAL " + total.Name
	line(total)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nOn time: within 60 days of the birth, 30 of the death. Expected = crude rate x population / 1000 x days / 365.")
	for _, n := range rep.Notes {
		fmt.Fprintln(w, n)
	}
	return nil
}

// share is "n/of pct%" or "n (no target)".
func share(n int64, of *float64, p *float64) string {
	if p == nil || of == nil {
		return fmt.Sprintf("%d (no target)", n)
	}
	return fmt.Sprintf("%d/%.0f %.1f%%", n, *of, *p)
}
