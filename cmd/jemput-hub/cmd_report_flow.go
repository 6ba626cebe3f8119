package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/wilayah"
)

const reportFlowHelp = `report devices: each laptop's records under --region captured in the period, by status, with
its officer, last sync and clock skew. report monthly: records captured per month, by kind.
The same figures as the coverage page; --csv or --json for other tools.`

// cmdReportFlow prints `report devices` and `report monthly`.
func cmdReportFlow(ctx context.Context, s stdio, which string, args []string) error {
	var c common
	var region, from, to string
	var asCSV bool
	fs := newFlags(s, "report "+which, "", reportFlowHelp, &c, true)
	fs.StringVar(&region, "region", "", "region code (default: everything)")
	fs.StringVar(&from, "from", "", "first capture date, YYYY-MM-DD (default: 1 January this year)")
	fs.StringVar(&to, "to", "", "last capture date, YYYY-MM-DD (default: today, UTC)")
	fs.BoolVar(&asCSV, "csv", false, "print CSV")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	now := time.Now().UTC()
	t1, t0 := now, time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	for _, d := range []struct {
		flag, v string
		p       *time.Time
	}{{"from", from, &t0}, {"to", to, &t1}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.v)
		if err != nil {
			return usageErr("--%s %q is not a date (want YYYY-MM-DD)", d.flag, d.v)
		}
		*d.p = t
	}
	if t1.Before(t0) {
		return usageErr("--to is before --from")
	}
	if region != "" {
		tree, err := wilayah.Load()
		if err != nil {
			return err
		}
		r, ok := tree.Lookup(region)
		if !ok {
			return usageErr("--region %s is not in the region list", region)
		}
		region = r.Code
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	var header []string
	var rows [][]string
	if which == "devices" {
		flow, err := sess.hub.DeviceFlow(ctx, region, t0, t1)
		if err != nil {
			return err
		}
		if c.json {
			if flow == nil {
				return writeJSON(s.Out, []any{})
			}
			return writeJSON(s.Out, flow)
		}
		header = []string{"device", "officer", "captured", "received", "approved", "needs_correction", "rejected", "last_sync", "skew_seconds", "revoked"}
		for _, f := range flow {
			last := ""
			if !f.Device.LastSync.IsZero() {
				last = f.Device.LastSync.Format(time.RFC3339)
			}
			rows = append(rows, []string{f.Device.ID, f.Device.Officer, itoa(f.Captured), itoa(f.Flow[record.StatusReceived]),
				itoa(f.Flow[record.StatusApproved]), itoa(f.Flow[record.StatusNeedsCorrection]), itoa(f.Flow[record.StatusRejected]),
				last, strconv.FormatFloat(f.Device.Skew.Seconds(), 'f', 0, 64), strconv.FormatBool(f.Device.Revoked())})
		}
	} else {
		months, err := sess.hub.Monthly(ctx, region, t0, t1)
		if err != nil {
			return err
		}
		if c.json {
			return writeJSON(s.Out, months)
		}
		header = []string{"month", "ektp", "birth", "death", "total"}
		for _, m := range months {
			rows = append(rows, []string{m.Month.Format("2006-01"), itoa(m.ByKind[record.KindEKTP]), itoa(m.ByKind[record.KindBirth]),
				itoa(m.ByKind[record.KindDeath]), itoa(m.Total)})
		}
	}
	if asCSV {
		cw := csv.NewWriter(s.Out)
		cw.UseCRLF = true
		cw.Write(header)
		cw.WriteAll(rows)
		return cw.Error()
	}
	tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
	for _, r := range append([][]string{header}, rows...) {
		for i, v := range r {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, v)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
