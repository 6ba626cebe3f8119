package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/internal/record"
)

const editHelp = `Changes fields of record ID (its id or tracking code). Each change is field=value with the
field's JSON name, e.g. full_name="Ma'ruf Amin" mother.nik=6411015203850002 witnesses.1.name=Siti;
an empty value clears the field. A draft or a record sent back for correction takes any change;
a submitted record only one that keeps it valid. Remaining problems are printed.`

func cmdEdit(ctx context.Context, s stdio, args []string) error {
	var c common
	var confirm bool
	fs := newFlags(s, "edit", "ID field=value...", editHelp, &c, true)
	fs.BoolVar(&confirm, "confirm", false, "confirm warnings the change raises on a submitted record")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usageErr("edit needs a record ID and at least one field=value")
	}
	sess, err := open(ctx, s, c.data)
	if err != nil {
		return err
	}
	defer sess.Close()
	r, err := sess.store.Find(ctx, pos[0])
	if err != nil {
		return err
	}
	spec, err := record.SpecFor(r.Kind)
	if err != nil {
		return err
	}
	set := record.Fields{}
	for _, kv := range pos[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return usageErr("%q is not field=value", kv)
		}
		val, err := spec.ParseValue(strings.TrimSpace(k), v, sess.agent.Regions())
		if err != nil {
			return fmt.Errorf("nothing was changed: %w", err)
		}
		set[strings.TrimSpace(k)] = val
	}
	r, err = sess.agent.Edit(ctx, r.ID, set, confirm)
	var verr *agent.ValidationError
	if errors.As(err, &verr) {
		head := "Nothing was changed: the record is submitted and the change would make it invalid:"
		if verr.NeedsConfirmation {
			head = "Nothing was changed: check these warnings, then run edit again with --confirm:"
		}
		printProblems(s, c, verr.Spec, verr.Problems, head)
		return errReported
	}
	if err != nil {
		return err
	}
	return printRecord(s, c, sess.agent, r)
}

func cmdSubmit(ctx context.Context, s stdio, args []string) error {
	var c common
	var confirm bool
	fs := newFlags(s, "submit", "ID...", "Checks each record and marks it ready for the hub. A record with problems stays a draft\nand every failing field is printed. Warnings (such as a NIK district missing from every\nregion list) need --confirm once the officer has checked them.", &c, true)
	fs.BoolVar(&confirm, "confirm", false, "confirm warnings after checking them")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("submit needs at least one record ID or tracking code")
	}
	sess, err := open(ctx, s, c.data)
	if err != nil {
		return err
	}
	defer sess.Close()
	var results []lineResult
	failed := 0
	for i, ref := range pos {
		res := lineResult{Line: i + 1}
		id, err := sess.store.Resolve(ctx, ref)
		if err == nil {
			var r *record.Record
			r, _, err = sess.agent.Submit(ctx, id, confirm)
			if r != nil {
				res.ID, res.TrackingCode, res.Status = r.ID, grouped(r.TrackingCode), r.Status
			}
		}
		var verr *agent.ValidationError
		switch {
		case errors.As(err, &verr):
			failed++
			res.Problems = problemsOut(verr.Spec, verr.Problems, c.language())
			if !c.json {
				head := fmt.Sprintf("%s: not submitted; nothing was changed. Fix:", ref)
				if verr.NeedsConfirmation {
					head = fmt.Sprintf("%s: not submitted. Check these warnings, then run submit again with --confirm:", ref)
				}
				printProblems(s, c, verr.Spec, verr.Problems, head)
			}
		case err != nil:
			failed++
			res.Error = err.Error()
			if !c.json {
				fmt.Fprintf(s.Err, "%s: %s\n", ref, err)
			}
		default:
			if !c.json {
				fmt.Fprintf(s.Out, "%s: %s\n", res.TrackingCode, res.Status.Label(c.language()))
			}
		}
		results = append(results, res)
	}
	if c.json {
		if err := writeJSON(s.Out, results); err != nil {
			return err
		}
	}
	if failed > 0 {
		return errReported
	}
	return nil
}

func cmdWithdraw(ctx context.Context, s stdio, args []string) error {
	var c common
	var reason string
	fs := newFlags(s, "withdraw", "ID...", "Withdraws records captured in error, until the hub has decided on them. Nothing is\ndeleted: the record stays, marked withdrawn, and the hub is told on the next sync.", &c, false)
	fs.StringVar(&reason, "reason", "", "why, for the hub's reviewer (required)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("withdraw needs at least one record ID or tracking code")
	}
	if strings.TrimSpace(reason) == "" {
		return usageErr("withdraw needs --reason (the hub's reviewer reads it)")
	}
	sess, err := open(ctx, s, c.data)
	if err != nil {
		return err
	}
	defer sess.Close()
	failed := 0
	for _, ref := range pos {
		r, err := sess.store.Find(ctx, ref)
		if err == nil {
			r, err = sess.agent.Withdraw(ctx, r.ID, strings.TrimSpace(reason))
		}
		if err != nil {
			failed++
			fmt.Fprintf(s.Err, "%s: %v\n", ref, err)
			continue
		}
		fmt.Fprintf(s.Out, "%s: %s\n", grouped(r.TrackingCode), r.Status.Label(c.language()))
	}
	if failed > 0 {
		return errReported
	}
	return nil
}
