// Package agent is what the officer's laptop does with records: capture
// drafts, edit them, submit them once they are valid. It holds the rules of
// the officer's workflow; the store below it holds the SQL and the
// encryption, internal/record the definition of a valid record.
package agent

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/syncproto"
)

// Sentinel errors callers branch on.
var (
	ErrInvalid     = errors.New("record is not valid")
	ErrNotEditable = errors.New("record cannot be changed in its current status")
)

// ValidationError lists what stops a record from being submitted (or a
// submitted record from being edited). When only warnings remain,
// NeedsConfirmation is true and the officer may confirm them.
type ValidationError struct {
	Spec              *record.Spec
	Problems          record.Problems
	NeedsConfirmation bool
}

func (e *ValidationError) Error() string {
	if e.NeedsConfirmation {
		return fmt.Sprintf("record has %d warning(s) to confirm", len(e.Problems.Warnings()))
	}
	return fmt.Sprintf("record is not valid: %d problem(s)", len(e.Problems.Errors()))
}

func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Agent captures and manages records on one unlocked store.
type Agent struct {
	store   *store.Store
	regions record.Regions
	rand    io.Reader
}

// New returns an agent over an unlocked store and the region list.
func New(st *store.Store, regions record.Regions) *Agent {
	return &Agent{store: st, regions: regions, rand: rand.Reader}
}

// Store is the underlying store, for reads.
func (a *Agent) Store() *store.Store { return a.store }

// Regions is the region list records are checked against.
func (a *Agent) Regions() record.Regions { return a.regions }

// Capture saves fields as a new draft, whatever their problems: nothing the
// officer typed is lost. It gives the record its id and tracking code.
func (a *Agent) Capture(ctx context.Context, kind record.Kind, fields record.Fields) (*record.Record, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("new record id: %w", err)
	}
	return a.CaptureAs(ctx, id.String(), kind, fields)
}

// NewID returns an id for a record about to be captured. A form gets its
// id before the first save, so saving it again (a reload, an autosave
// racing the save button) updates one draft instead of making two.
func NewID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("new record id: %w", err)
	}
	return id.String(), nil
}

// CaptureAs is Capture with the id given (see NewID). An id that is not a
// UUID is refused; one already in use is store.ErrExists.
func (a *Agent) CaptureAs(ctx context.Context, id string, kind record.Kind, fields record.Fields) (*record.Record, error) {
	return a.capture(ctx, id, kind, fields, "")
}

// CaptureFromWorklist is CaptureAs for a form started from worklist entry
// (store.WorklistEntry's id): the worklist then shows the resident as
// recorded, so no one captures them twice before the hub approves. An
// empty entry links nothing.
func (a *Agent) CaptureFromWorklist(ctx context.Context, id, entry string, kind record.Kind, fields record.Fields) (*record.Record, error) {
	return a.capture(ctx, id, kind, fields, entry)
}

func (a *Agent) capture(ctx context.Context, id string, kind record.Kind, fields record.Fields, entry string) (*record.Record, error) {
	if _, err := record.SpecFor(kind); err != nil {
		return nil, err
	}
	u, err := uuid.Parse(id)
	if err != nil || u.String() != id {
		return nil, fmt.Errorf("record id %q: not a UUID", id)
	}
	r := &record.Record{ID: id, Kind: kind, Status: record.StatusDraft, Fields: fields.Clone()}
	// 55 random bits make a clash on one laptop all but impossible, but a
	// clash must cost a retry, never the officer's record.
	for attempt := 0; ; attempt++ {
		code, err := tracking.New(a.rand)
		if err != nil {
			return nil, fmt.Errorf("new tracking code: %w", err)
		}
		r.TrackingCode = string(code)
		meta := map[string]string{"tracking_code": string(code), "officer": a.store.Officer()}
		if entry != "" {
			meta[store.MetaWorklistEntry] = entry
		}
		_, err = a.store.Create(ctx, r, meta)
		if errors.Is(err, store.ErrTrackingCodeTaken) && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("save new %s record: %w", kind, err)
		}
		break
	}
	return r, nil
}

// Validate checks a record as of its capture date: lateness is judged from
// the day the officer met the resident, not the day of submission.
func (a *Agent) Validate(r *record.Record) (*record.Spec, record.Problems, error) {
	spec, err := record.SpecFor(r.Kind)
	if err != nil {
		return nil, nil, err
	}
	today := r.CreatedAt
	if today.IsZero() {
		today = a.store.Now()
	}
	return spec, spec.Validate(r.Fields, record.Env{Regions: a.regions, Today: today}), nil
}

// Edit changes fields of record id. A draft or a record sent back for
// correction takes any change; a submitted record (not yet at the hub) only
// a change that keeps it valid, and warnings it raises need confirm. Values equal to the current ones are not
// written, so an edit that changes nothing appends no op.
func (a *Agent) Edit(ctx context.Context, id string, set record.Fields, confirm bool) (*record.Record, error) {
	r, _, err := a.store.Update(ctx, id, func(r *record.Record) (store.Mutation, error) {
		if !record.OfficerEditable(r.Status) {
			return store.Mutation{}, fmt.Errorf("%s is %s: %w", r.TrackingCode, r.Status, ErrNotEditable)
		}
		changed := record.Fields{}
		for p, v := range set {
			if r.Fields[p] != v {
				changed[p] = v
				if v == "" {
					delete(r.Fields, p)
				} else {
					r.Fields[p] = v
				}
			}
		}
		if len(changed) == 0 {
			return store.Mutation{}, store.ErrNoChange
		}
		if r.Status == record.StatusSubmitted {
			spec, problems, err := a.Validate(r)
			if err != nil {
				return store.Mutation{}, err
			}
			if errs := problems.Errors(); len(errs) > 0 {
				return store.Mutation{}, &ValidationError{Spec: spec, Problems: errs}
			}
			if warns := problems.Warnings(); len(warns) > 0 {
				if !confirm {
					return store.Mutation{}, &ValidationError{Spec: spec, Problems: warns, NeedsConfirmation: true}
				}
				return store.Mutation{Action: syncproto.ActionUpdate, Set: changed,
					Meta: map[string]string{"confirmed_warnings": warningList(warns)}}, nil
			}
		}
		return store.Mutation{Action: syncproto.ActionUpdate, Set: changed}, nil
	})
	return r, err
}

// Submit finalises record id for the hub. It refuses a record with errors,
// leaving it a draft, and one with unconfirmed warnings. Submitting a
// record that is already submitted changes nothing.
func (a *Agent) Submit(ctx context.Context, id string, confirm bool) (*record.Record, record.Problems, error) {
	var warnings record.Problems
	r, _, err := a.store.Update(ctx, id, func(r *record.Record) (store.Mutation, error) {
		if r.Status == record.StatusSubmitted {
			return store.Mutation{}, store.ErrNoChange
		}
		if !record.CanTransition(r.Status, record.StatusSubmitted) {
			return store.Mutation{}, fmt.Errorf("%s is %s: %w", r.TrackingCode, r.Status, ErrNotEditable)
		}
		spec, problems, err := a.Validate(r)
		if err != nil {
			return store.Mutation{}, err
		}
		if errs := problems.Errors(); len(errs) > 0 {
			return store.Mutation{}, &ValidationError{Spec: spec, Problems: problems}
		}
		warnings = problems.Warnings()
		if len(warnings) > 0 && !confirm {
			return store.Mutation{}, &ValidationError{Spec: spec, Problems: warnings, NeedsConfirmation: true}
		}
		m := store.Mutation{Action: syncproto.ActionSubmit, Status: record.StatusSubmitted}
		if len(warnings) > 0 {
			m.Meta = map[string]string{"confirmed_warnings": warningList(warnings)}
		}
		return m, nil
	})
	return r, warnings, err
}

// warningList records what the officer confirmed, e.g.
// "nik:nik_prefix_unknown", for the hub's reviewer.
func warningList(ps record.Problems) string {
	items := make([]string, len(ps))
	for i, p := range ps {
		items[i] = p.Field + ":" + p.Code
	}
	sort.Strings(items)
	return strings.Join(items, ",")
}

// Withdraw marks record id withdrawn: a tombstone op, since nothing is
// hard-deleted once it may have left the laptop. Allowed until the hub has
// decided (the state machine); withdrawing twice changes nothing.
func (a *Agent) Withdraw(ctx context.Context, id, reason string) (*record.Record, error) {
	r, _, err := a.store.Update(ctx, id, func(r *record.Record) (store.Mutation, error) {
		if r.Status == record.StatusWithdrawn {
			return store.Mutation{}, store.ErrNoChange
		}
		if !record.CanTransition(r.Status, record.StatusWithdrawn) {
			return store.Mutation{}, fmt.Errorf("%s is %s: %w", r.TrackingCode, r.Status, ErrNotEditable)
		}
		m := store.Mutation{Action: syncproto.ActionWithdraw, Status: record.StatusWithdrawn}
		if reason != "" {
			m.Meta = map[string]string{"reason": reason}
		}
		return m, nil
	})
	return r, err
}
