package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/roster"
)

const rosterHelp = `roster import FILE.csv: imports the residents extract of the population database, the roster the
officers' worklists come from (residents 17 or older without a KTP-el, children without a birth
certificate, per assigned village) and the village-level KTP-el targets of the coverage report.
The header (columns in any order):
  ` + roster.Header + `
sex L or P; birth_date YYYY-MM-DD; village_code a village of the region list; the two flags
1/0, true/false, ya/tidak or y/n. A bad row is named by line and column and skipped; the good
rows are imported together (all or none of them). Importing again updates residents whose row
changed and leaves the others; residents missing from a later file stay in the roster.
Exit status 0 when the good rows were imported, even if some were skipped; 1 when the file could
not be read or no row could be imported.
roster refresh: brings every laptop's worklist up to date with the calendar (a resident turning
17, a child turning 18); imports, enrolments and approvals refresh their own villages. Run it
daily, e.g. from cron.`

func cmdRoster(ctx context.Context, s stdio, args []string) error {
	if len(args) == 0 {
		return usageErr("roster needs a subcommand: import, refresh")
	}
	switch args[0] {
	case "import":
	case "refresh":
		return cmdRosterRefresh(ctx, s, args[1:])
	case "-h", "--help", "-help", "help":
		var c common
		newFlags(s, "roster", "import FILE.csv|refresh", rosterHelp, &c, true).Usage()
		return errHelp
	default:
		return usageErr("unknown roster subcommand %q (import, refresh)", args[0])
	}
	var c common
	fs := newFlags(s, "roster import", "FILE.csv", rosterHelp, &c, true)
	byFlag(s, fs, &c)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("roster import needs one FILE.csv")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	rep, err := sess.hub.ImportRoster(c.actor(ctx), f, c.by)
	if err != nil {
		return err
	}
	applied := rep.Added + rep.Updated + rep.Unchanged
	if c.json {
		if err := writeJSON(s.Out, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(s.Out, "Roster %s: %d added, %d updated, %d unchanged, %d skipped.\n",
			rep.Source, rep.Added, rep.Updated, rep.Unchanged, rep.Skipped)
		for _, e := range rep.SkippedRows {
			fmt.Fprintf(s.Out, "  skipped %s\n", e)
		}
		printWorklists(s, rep.Worklists)
	}
	switch {
	case applied == 0 && rep.Skipped == 0:
		return fmt.Errorf("%s has no residents (nothing was imported)", rep.Source)
	case applied == 0:
		return fmt.Errorf("none of the %d rows of %s could be imported (each is listed above)", rep.Skipped, rep.Source)
	}
	return nil
}

func printWorklists(s stdio, w hub.WorklistChange) {
	if w.Devices == 0 {
		fmt.Fprintln(s.Out, "Worklists: no change on any laptop.")
		return
	}
	fmt.Fprintf(s.Out, "Worklists: %d entries to open, %d done, on %d laptop(s) at their next sync.\n", w.Open, w.Done, w.Devices)
}

func cmdRosterRefresh(ctx context.Context, s stdio, args []string) error {
	var c common
	fs := newFlags(s, "roster refresh", "", rosterHelp, &c, true)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	ch, err := sess.hub.RefreshWorklists(ctx)
	if err != nil {
		return err
	}
	if c.json {
		return writeJSON(s.Out, ch)
	}
	printWorklists(s, ch)
	return nil
}
