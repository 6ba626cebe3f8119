package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"
)

const auditHelp = `audit verify: recomputes the hash chain of the audit log and names the first entry that was
changed, deleted or reordered (exit 1), or says how many entries are intact.
audit list: prints the log, oldest first.`

func cmdAudit(ctx context.Context, s stdio, args []string) error {
	if len(args) == 0 {
		return usageErr("audit needs a subcommand: verify or list")
	}
	var c common
	var limit int
	switch args[0] {
	case "verify", "list":
	case "-h", "--help", "-help", "help":
		newFlags(s, "audit", "verify|list", auditHelp, &c, true).Usage()
		return errHelp
	}
	fs := newFlags(s, "audit "+args[0], "", auditHelp, &c, true)
	switch args[0] {
	case "verify":
	case "list":
		fs.IntVar(&limit, "limit", 0, "at most this many entries (the newest)")
	default:
		return usageErr("unknown audit subcommand %q (verify, list)", args[0])
	}
	if err := parseNoArgs(fs, args[1:]); err != nil {
		return err
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	if args[0] == "verify" {
		n, last, err := sess.hub.VerifyAudit(ctx)
		if c.json {
			out := map[string]any{"ok": err == nil, "entries_checked": n, "last_good_seq": last.Seq}
			if err != nil {
				out["error"] = err.Error()
			}
			writeJSON(s.Out, out)
			if err != nil {
				return errReported
			}
			return nil
		}
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintln(s.Out, "audit log is empty")
			return nil
		}
		fmt.Fprintf(s.Out, "audit log intact: %d entries, the last (%d) at %s\n", n, last.Seq, last.At.Local().Format(time.RFC3339))
		return nil
	}
	entries, err := sess.hub.AuditLog(ctx, 0, 0)
	if err != nil {
		return err
	}
	if limit > 0 && len(entries) > limit {
		entries = entries[len(entries)-limit:]
	}
	if c.json {
		return writeJSON(s.Out, entries)
	}
	tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tWHEN\tWHO\tACTION\tDETAIL")
	for _, e := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Local().Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Detail)
	}
	return tw.Flush()
}
