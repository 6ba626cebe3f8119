package hub

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/syncproto"
)

// Find reads a record by id or by tracking code (typed in any form).
func (h *Hub) Find(ctx context.Context, ref string) (Record, error) {
	var r Record
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		r, err = find(tx, ref)
		return err
	})
	return r, err
}

func find(tx Tx, ref string) (Record, error) {
	ref = strings.TrimSpace(ref)
	if _, err := uuid.Parse(ref); err == nil {
		return tx.Record(strings.ToLower(ref))
	}
	code, err := tracking.Parse(ref)
	if err != nil {
		return Record{}, fmt.Errorf("%q is neither a record id nor a tracking code: %w", ref, ErrNotFound)
	}
	return tx.RecordByTracking(string(code))
}

// Records lists records.
func (h *Hub) Records(ctx context.Context, f Filter) ([]Summary, error) {
	var out []Summary
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Records(f)
		return err
	})
	return out, err
}

// History is a record's ops in fold order, and its duplicate pairs.
func (h *Hub) History(ctx context.Context, id string) ([]syncproto.Op, []Duplicate, error) {
	var ops []syncproto.Op
	var ds []Duplicate
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		if ops, err = tx.RecordOps(id); err != nil {
			return err
		}
		ds, err = tx.Duplicates(id)
		return err
	})
	return ops, ds, err
}

// Edit is an operator's fix: a hub op that sets fields and travels back to
// the officer's laptop. It has seen the current value of every field it
// writes, so writing a field in conflict resolves the conflict.
func (h *Hub) Edit(ctx context.Context, ref string, set record.Fields, by string) (Record, error) {
	var out Record
	err := h.store.Update(ctx, func(tx Tx) error {
		r, err := find(tx, ref)
		if err != nil {
			return err
		}
		spec, err := record.SpecFor(r.State.Kind)
		if err != nil {
			return err
		}
		if r.State.Status == record.StatusApproved || r.State.Status == record.StatusWithdrawn {
			return fmt.Errorf("%s is %s: %w", tracking.Code(r.State.TrackingCode).String(), r.State.Status, ErrNotDecidable)
		}
		vals := r.State.Values()
		written := record.Fields{}
		base := map[string]hlc.Timestamp{}
		var resolves []string
		for p, v := range set {
			if _, ok := spec.Field(p); !ok {
				return fmt.Errorf("%w: unknown field %q for %s", record.ErrInput, p, r.State.Kind)
			}
			f := r.State.Fields[p]
			if vals[p] == v && len(f.Conflict) == 0 {
				continue
			}
			written[p] = v
			base[p] = f.HLC
			for _, c := range f.Conflict {
				base[p] = max(base[p], c.HLC)
			}
			if len(f.Conflict) > 0 {
				resolves = append(resolves, p)
			}
		}
		if len(written) == 0 {
			out = r
			return nil
		}
		// How far into the laptop's ops this edit has seen: a laptop write
		// after that was not seen, whatever its clock says (see merge).
		dev, err := tx.Device(r.State.DeviceID)
		if err != nil {
			return err
		}
		meta := map[string]string{"by": by, merge.MetaSeenSeq: strconv.FormatUint(dev.AppliedSeq, 10)}
		if len(resolves) > 0 {
			slices.Sort(resolves)
			meta[syncproto.MetaResolves] = strings.Join(resolves, ",")
		}
		if _, err := h.hubOp(tx, r, syncproto.ActionUpdate, written, base, meta); err != nil {
			return err
		}
		paths := make([]string, 0, len(written))
		for p := range written {
			paths = append(paths, p)
		}
		slices.Sort(paths)
		if err := h.audit(tx, actorOf(ctx, by), AuditEdit, r.State.ID, tracking.Code(r.State.TrackingCode).String()+": set "+strings.Join(paths, ", ")); err != nil {
			return err
		}
		out, err = h.refold(tx, r.State.ID, r.Via)
		return err
	})
	return out, err
}

// hubOp stamps, stores and queues for the record's device one hub op.
func (h *Hub) hubOp(tx Tx, r Record, action syncproto.Action, set record.Fields, base map[string]hlc.Timestamp, meta map[string]string) (syncproto.Op, error) {
	ts, err := h.stamp(tx, r.State.Updated)
	if err != nil {
		return syncproto.Op{}, err
	}
	seq, err := tx.NextSeq("hub_ops")
	if err != nil {
		return syncproto.Op{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return syncproto.Op{}, err
	}
	op := syncproto.Op{OpID: id.String(), DeviceID: syncproto.HubSender, Seq: seq, HLC: ts, RecordID: r.State.ID,
		Kind: r.State.Kind, Action: action, Fields: set, Base: base, Meta: meta}
	if _, err := tx.PutOp(op, r.State.DeviceID); err != nil {
		return syncproto.Op{}, err
	}
	return op, nil
}

// Decide records an operator's decision on a received record: approve
// (it must be valid, with no open conflict or duplicate; it gets a
// registration number), reject or ask for a correction (both need a
// reason; a correction may name the fields to fix).
func (h *Hub) Decide(ctx context.Context, ref string, outcome record.Status, reason string, fields []string, by string) (Record, error) {
	reason = strings.TrimSpace(reason)
	switch outcome {
	case record.StatusApproved:
	case record.StatusRejected, record.StatusNeedsCorrection:
		if reason == "" {
			return Record{}, fmt.Errorf("%s: %w", outcome, ErrReasonRequired)
		}
	default:
		return Record{}, fmt.Errorf("%w: unknown decision %q (approve, reject or correct)", ErrNotDecidable, outcome)
	}
	var out Record
	err := h.store.Update(ctx, func(tx Tx) error {
		r, err := find(tx, ref)
		if err != nil {
			return err
		}
		st := r.State
		if st.Status != record.StatusReceived {
			return fmt.Errorf("%s is %s, not waiting for a decision: %w", tracking.Code(st.TrackingCode).String(), st.Status, ErrNotDecidable)
		}
		spec, err := record.SpecFor(st.Kind)
		if err != nil {
			return err
		}
		for _, f := range fields {
			if _, ok := spec.Field(f); !ok {
				return fmt.Errorf("%w: unknown field %q for %s", record.ErrInput, f, st.Kind)
			}
		}
		meta := map[string]string{"outcome": string(outcome), "reason": reason, "by": by}
		if len(fields) > 0 {
			meta["fields"] = strings.Join(fields, ",")
		}
		if outcome == record.StatusApproved {
			if r.HasFlag(FlagConflict) {
				return fmt.Errorf("%s has conflicting values in %s: resolve them first: %w", tracking.Code(st.TrackingCode).String(), strings.Join(st.Conflicts(), ", "), ErrNotDecidable)
			}
			if r.HasFlag(FlagDuplicate) {
				return fmt.Errorf("%s may be a duplicate: mark it same or different first: %w", tracking.Code(st.TrackingCode).String(), ErrNotDecidable)
			}
			env := h.env
			env.Today = st.Created.Time()
			if errs := spec.Validate(st.Values(), env).Errors(); len(errs) > 0 {
				return fmt.Errorf("%s is not valid (%d problem(s), first: %s): %w", tracking.Code(st.TrackingCode).String(), len(errs), errs[0].Field, ErrNotDecidable)
			}
			if meta["registration_number"], err = h.registrationNumber(tx, r); err != nil {
				return err
			}
		}
		if _, err := h.hubOp(tx, r, syncproto.ActionDecide, nil, nil, meta); err != nil {
			return err
		}
		detail := tracking.Code(st.TrackingCode).String() + ": " + string(outcome)
		if n := meta["registration_number"]; n != "" {
			detail += ", " + n
		}
		if reason != "" {
			detail += ": " + reason
		}
		if err := h.audit(tx, actorOf(ctx, by), AuditDecide, st.ID, detail); err != nil {
			return err
		}
		if out, err = h.refold(tx, st.ID, r.Via); err != nil || outcome != record.StatusApproved {
			return err
		}
		// Registered: off the worklists of its village, nowhere else.
		vs, err := worklistVillages(tx, out.State)
		if err != nil {
			return err
		}
		_, err = h.refreshWorklists(tx, "", vs)
		return err
	})
	if err != nil {
		return Record{}, fmt.Errorf("decide %s: %w", ref, err)
	}
	return out, nil
}

// registrationNumber is the number printed on the document: regency, a
// register letter code, the decision date and a serial per regency,
// register and year, e.g. 6411-LU-22112026-0007 (LU: a birth within the
// legal window, LT: a late one; KM: a death; KTP: a KTP-el enrolment).
func (h *Hub) registrationNumber(tx Tx, r Record) (string, error) {
	st := r.State
	regency := strings.ReplaceAll(st.Values().VillageCode(), ".", "")
	if len(regency) >= 4 {
		regency = regency[:4]
	} else {
		regency = "0000"
	}
	reg := map[record.Kind]string{record.KindEKTP: "KTP", record.KindBirth: "LU", record.KindDeath: "KM"}[st.Kind]
	if st.Kind == record.KindBirth && st.Values()["late_reason"] != "" {
		reg = "LT"
	}
	now := h.now()
	n, err := tx.NextSeq(fmt.Sprintf("regno/%s/%s/%d", regency, reg, now.Year()))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%s-%s-%04d", regency, reg, now.Format("02012006"), n), nil
}

// JudgeDuplicate records an operator's judgement of a duplicate pair:
// same (the second record is rejected as a duplicate of the first, and
// its officer hears why) or different (both go on).
func (h *Hub) JudgeDuplicate(ctx context.Context, a, b string, same bool, by string) error {
	return h.store.Update(ctx, func(tx Tx) error {
		ra, err := find(tx, a)
		if err != nil {
			return err
		}
		rb, err := find(tx, b)
		if err != nil {
			return err
		}
		if ra.State.ID == rb.State.ID {
			return fmt.Errorf("a record is not a duplicate of itself: %w", ErrNotDecidable)
		}
		ds, err := tx.Duplicates(ra.State.ID)
		if err != nil {
			return err
		}
		lo, hi := min(ra.State.ID, rb.State.ID), max(ra.State.ID, rb.State.ID)
		i := slices.IndexFunc(ds, func(d Duplicate) bool { return d.A == lo && d.B == hi })
		if i < 0 {
			return fmt.Errorf("%s and %s are not a duplicate pair: %w", a, b, ErrNotFound)
		}
		d := ds[i]
		if d.Status != DupOpen {
			return fmt.Errorf("this pair was already judged (%s): %w", d.Status, ErrNotDecidable)
		}
		d.Status, d.DecidedBy, d.DecidedAt = DupDifferent, by, h.now().UTC()
		if same {
			d.Status = DupSame
		}
		if err := tx.PutDuplicate(d); err != nil {
			return err
		}
		if err := h.audit(tx, actorOf(ctx, by), AuditDuplicate, d.A+" "+d.B,
			tracking.Code(ra.State.TrackingCode).String()+" and "+tracking.Code(rb.State.TrackingCode).String()+": "+d.Status); err != nil {
			return err
		}
		for _, id := range []string{d.A, d.B} {
			if err := h.reflag(tx, id); err != nil {
				return err
			}
		}
		if same && rb.State.Status == record.StatusReceived {
			rb, err = tx.Record(rb.State.ID)
			if err != nil {
				return err
			}
			meta := map[string]string{"outcome": string(record.StatusRejected), "by": by,
				"reason": "duplicate of " + tracking.Code(ra.State.TrackingCode).String()}
			if _, err := h.hubOp(tx, rb, syncproto.ActionDecide, nil, nil, meta); err != nil {
				return err
			}
			_, err = h.refold(tx, rb.State.ID, rb.Via)
			return err
		}
		return nil
	})
}
