package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/syncproto"
)

type summaryJSON struct {
	ID           string        `json:"id"`
	Kind         record.Kind   `json:"kind"`
	Status       record.Status `json:"status"`
	TrackingCode string        `json:"tracking_code"`
	VillageCode  string        `json:"village_code"`
	Name         string        `json:"name"`
	Flags        []string      `json:"flags"`
	DeviceID     string        `json:"device_id"`
	Officer      string        `json:"officer"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

func cmdRecords(ctx context.Context, s stdio, args []string) error {
	var c common
	var status, flagName, kind, device string
	var limit int
	fs := newFlags(s, "records", "", "Lists records at the hub, newest change first.", &c, true)
	fs.StringVar(&status, "status", "", "only this status (received, approved, rejected, needs_correction, draft, withdrawn)")
	fs.StringVar(&flagName, "flag", "", "only records with this flag: conflict, duplicate or refused")
	fs.StringVar(&kind, "kind", "", "only this kind: ektp, birth, death")
	fs.StringVar(&device, "device", "", "only records from this device")
	fs.IntVar(&limit, "limit", 0, "at most this many")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	f := hub.Filter{Flag: flagName, Device: device, Limit: limit, Kind: record.Kind(kind)}
	if status != "" {
		st, err := record.ParseStatus(status)
		if err != nil {
			return usageErr("%v", err)
		}
		f.Status = st
	}
	if flagName != "" && !slices.Contains([]string{hub.FlagConflict, hub.FlagDuplicate, hub.FlagRefused}, flagName) {
		return usageErr("--flag %q: use conflict, duplicate or refused", flagName)
	}
	if kind != "" {
		if _, err := record.SpecFor(record.Kind(kind)); err != nil {
			return usageErr("--kind %q: use ektp, birth or death", kind)
		}
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	rs, err := sess.hub.Records(ctx, f)
	if err != nil {
		return err
	}
	if c.json {
		out := make([]summaryJSON, 0, len(rs))
		for _, r := range rs {
			out = append(out, summaryJSON{ID: r.ID, Kind: r.Kind, Status: r.Status, TrackingCode: r.TrackingCode, VillageCode: r.VillageCode,
				Name: r.Name, Flags: nonNil(r.Flags), DeviceID: r.DeviceID, Officer: r.Officer, UpdatedAt: r.UpdatedAt})
		}
		return writeJSON(s.Out, out)
	}
	tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TRACKING\tKIND\tSTATUS\tNAME\tVILLAGE\tFLAGS\tOFFICER")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", tracking.Code(r.TrackingCode), r.Kind, r.Status, r.Name, r.VillageCode, strings.Join(r.Flags, ","), r.Officer)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "%d record(s)\n", len(rs))
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type conflictJSON struct {
	Field  string        `json:"field"`
	Values []merge.Write `json:"values"` // the current winner first
}

type recordJSON struct {
	ID           string           `json:"id"`
	Kind         record.Kind      `json:"kind"`
	Status       record.Status    `json:"status"`
	TrackingCode string           `json:"tracking_code"`
	VillageCode  string           `json:"village_code"`
	Fields       map[string]any   `json:"fields"`
	Flags        []string         `json:"flags"`
	Decision     *record.Decision `json:"decision"`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
	DeviceID     string           `json:"device_id"`
	Officer      string           `json:"officer"`
	Conflicts    []conflictJSON   `json:"conflicts"`
	Duplicates   []hub.Duplicate  `json:"duplicates"`
	Refused      []merge.Refusal  `json:"refused"`
	History      []syncproto.Op   `json:"history"`
}

func cmdShow(ctx context.Context, s stdio, args []string) error {
	var c common
	fs := newFlags(s, "show", "ID", "Shows one record (by id or tracking code): fields, flags, conflicting values side by side,\nduplicate candidates and the history of ops.", &c, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("show needs one record ID or tracking code")
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	r, err := sess.hub.Find(ctx, pos[0])
	if err != nil {
		return err
	}
	return printRecord(ctx, s, c, sess.hub, r)
}

func printRecord(ctx context.Context, s stdio, c common, h *hub.Hub, r hub.Record) error {
	st := r.State
	ops, dups, err := h.History(ctx, st.ID)
	if err != nil {
		return err
	}
	spec, err := record.SpecFor(st.Kind)
	if err != nil {
		return err
	}
	vals := st.Values()
	var conflicts []conflictJSON
	for _, p := range st.Conflicts() {
		f := st.Fields[p]
		conflicts = append(conflicts, conflictJSON{Field: p, Values: append([]merge.Write{f.Write}, f.Conflict...)})
	}
	if c.json {
		fields := spec.JSON(vals)
		if conflicts == nil {
			conflicts = []conflictJSON{}
		}
		if dups == nil {
			dups = []hub.Duplicate{}
		}
		refused := st.Refused
		if refused == nil {
			refused = []merge.Refusal{}
		}
		return writeJSON(s.Out, recordJSON{ID: st.ID, Kind: st.Kind, Status: st.Status, TrackingCode: st.TrackingCode,
			VillageCode: vals.VillageCode(), Fields: fields, Flags: nonNil(r.Flags), Decision: st.Decision,
			CreatedAt: st.Created.Time(), UpdatedAt: st.Updated.Time(), DeviceID: st.DeviceID, Officer: st.Officer,
			Conflicts: conflicts, Duplicates: dups, Refused: refused, History: ops})
	}
	fmt.Fprintf(s.Out, "%s  %s  %s  [%s]\n", tracking.Code(st.TrackingCode), st.Kind, r.Name, st.Status)
	fmt.Fprintf(s.Out, "id %s, officer %s, device %s\n", st.ID, st.Officer, st.DeviceID)
	if len(r.Flags) > 0 {
		fmt.Fprintf(s.Out, "flags: %s\n", strings.Join(r.Flags, ", "))
	}
	if d := st.Decision; d != nil {
		fmt.Fprintf(s.Out, "decision: %s %s %s\n", d.Outcome, d.RegistrationNumber, d.Reason)
	}
	tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
	for _, fd := range spec.Fields {
		if v, ok := vals[fd.Path]; ok {
			fmt.Fprintf(tw, "  %s\t%s\n", fd.Path, v)
		}
	}
	tw.Flush()
	for _, cf := range conflicts {
		fmt.Fprintf(s.Out, "CONFLICT in %s:\n", cf.Field)
		for _, w := range cf.Values {
			who := w.Device
			switch w.Device {
			case st.DeviceID:
				who = st.Officer + " (laptop)"
			case syncproto.HubSender:
				who = "an operator at the hub"
			}
			fmt.Fprintf(s.Out, "  %q  by %s at %s\n", w.Value, who, w.HLC.Time().Local().Format("2006-01-02 15:04:05"))
		}
		fmt.Fprintf(s.Out, "  resolve: jemput-hub edit %s %s=VALUE\n", tracking.Code(st.TrackingCode), cf.Field)
	}
	for _, d := range dups {
		other := d.A
		if other == st.ID {
			other = d.B
		}
		fmt.Fprintf(s.Out, "DUPLICATE candidate %s (%s): %s\n", other, d.Key, d.Status)
	}
	for _, rf := range st.Refused {
		fmt.Fprintf(s.Out, "REFUSED %s from %s: %s\n", rf.Action, rf.Device, rf.Reason)
	}
	fmt.Fprintln(s.Out, "history:")
	for _, op := range ops {
		fmt.Fprintf(s.Out, "  %s  %-8s %-8s %d field(s)\n", op.HLC.Time().Local().Format("2006-01-02 15:04:05"), op.Action, op.DeviceID, len(op.Fields))
	}
	return nil
}

func cmdEdit(ctx context.Context, s stdio, args []string) error {
	var c common
	fs := newFlags(s, "edit", "ID field=value...", "An operator's fix: sets fields (JSON names, e.g. address=\"Jl. Sungai\" mother.nik=...), as a hub op\nthat travels back to the officer's laptop. Writing a field in conflict resolves the conflict.", &c, true)
	byFlag(s, fs, &c)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usageErr("edit needs a record ID and at least one field=value")
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	r, err := sess.hub.Find(ctx, pos[0])
	if err != nil {
		return err
	}
	spec, err := record.SpecFor(r.State.Kind)
	if err != nil {
		return err
	}
	set := record.Fields{}
	for _, kv := range pos[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return usageErr("%q is not field=value", kv)
		}
		k = strings.TrimSpace(k)
		val, err := spec.ParseValue(k, v, nil)
		if err != nil {
			return fmt.Errorf("nothing was changed: %w", err)
		}
		set[k] = val
	}
	r, err = sess.hub.Edit(c.actor(ctx), r.State.ID, set, c.by)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	return printRecord(ctx, s, c, sess.hub, r)
}

func cmdDecide(ctx context.Context, s stdio, args []string) error {
	var c common
	var reason, fields string
	fs := newFlags(s, "decide", "ID approve|reject|correct", "Decides a received record. approve assigns a registration number (the record must be valid,\nwith no open conflict or duplicate); reject and correct need --reason; correct may name --fields.", &c, true)
	fs.StringVar(&reason, "reason", "", "why (required for reject and correct), shown to the officer")
	fs.StringVar(&fields, "fields", "", "comma-separated fields the officer must correct")
	byFlag(s, fs, &c)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("decide needs a record ID and approve, reject or correct")
	}
	outcome, ok := map[string]record.Status{"approve": record.StatusApproved, "reject": record.StatusRejected,
		"correct": record.StatusNeedsCorrection}[pos[1]]
	if !ok {
		return usageErr("%q: decide approve, reject or correct", pos[1])
	}
	var fl []string
	for _, f := range strings.Split(fields, ",") {
		if f = strings.TrimSpace(f); f != "" {
			fl = append(fl, f)
		}
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	r, err := sess.hub.Decide(c.actor(ctx), pos[0], outcome, reason, fl, c.by)
	if errors.Is(err, hub.ErrReasonRequired) {
		return usageErr("%s needs --reason: the officer must know what to do", pos[1])
	}
	if err != nil {
		return err
	}
	if c.json {
		return printRecord(ctx, s, c, sess.hub, r)
	}
	d := r.State.Decision
	fmt.Fprintf(s.Out, "%s: %s", tracking.Code(r.State.TrackingCode), d.Outcome)
	if d.RegistrationNumber != "" {
		fmt.Fprintf(s.Out, ", registration number %s", d.RegistrationNumber)
	}
	fmt.Fprintln(s.Out, " (the officer's laptop hears of it at its next sync)")
	return nil
}

func cmdDuplicate(ctx context.Context, s stdio, args []string) error {
	var c common
	fs := newFlags(s, "duplicate", "ID OTHER same|different", "Judges a duplicate pair. same: OTHER is rejected as a duplicate of ID (its officer is told);\ndifferent: both go on to review.", &c, false)
	byFlag(s, fs, &c)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 3 || (pos[2] != "same" && pos[2] != "different") {
		return usageErr("duplicate needs two record IDs and same or different")
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	if err := sess.hub.JudgeDuplicate(c.actor(ctx), pos[0], pos[1], pos[2] == "same", c.by); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "Marked %s and %s as %s.\n", pos[0], pos[1], pos[2])
	return nil
}
