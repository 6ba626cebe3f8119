// Package merge folds a record's ops into its state. The hub uses it for
// every record it holds, and it is deterministic in the set of ops alone:
// the ops are sorted by (HLC, device, seq) before folding, so the same ops
// give the same state in whatever order bundles arrived.
//
// Fields are last-writer-wins registers ordered by (HLC, device). A write
// that did not see the current value (its base is older than the current
// version), comes from another writer and sets another value is a
// conflict: the losing value is kept beside the winner, the record is
// flagged, and a later write that saw every value (its base covers them;
// an operator's resolution) clears it.
//
// Status is not a register: submit, withdraw and decisions replay through
// record.CanTransition in order; an op the state machine refuses is kept
// in Refused for the operator, never silently dropped.
package merge

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/syncproto"
)

// Write is one value written to one field.
type Write struct {
	Value  string        `json:"value"`
	HLC    hlc.Timestamp `json:"hlc"`
	Device string        `json:"device"`
	Base   hlc.Timestamp `json:"base,omitempty"`
	OpID   string        `json:"op_id"`
	Seq    uint64        `json:"seq,omitempty"` // the writer's op seq
}

// Field is a register: the winning write and the concurrent writes with
// other values that nobody has resolved yet.
type Field struct {
	Write
	Conflict []Write `json:"conflict,omitempty"`
}

// Event is one status change, for the record's history.
type Event struct {
	HLC    hlc.Timestamp    `json:"hlc"`
	Device string           `json:"device"`
	Action syncproto.Action `json:"action"`
	From   record.Status    `json:"from"`
	To     record.Status    `json:"to"`
	Reason string           `json:"reason,omitempty"`
}

// Refusal is an op the fold could not apply, and why.
type Refusal struct {
	OpID   string           `json:"op_id"`
	Device string           `json:"device"`
	HLC    hlc.Timestamp    `json:"hlc"`
	Action syncproto.Action `json:"action"`
	Reason string           `json:"reason"`
}

// State is a record as its ops make it.
type State struct {
	ID           string           `json:"id"`
	Kind         record.Kind      `json:"kind"`
	TrackingCode string           `json:"tracking_code"`
	DeviceID     string           `json:"device_id"` // the device that created it
	Officer      string           `json:"officer"`
	Created      hlc.Timestamp    `json:"created"`
	Updated      hlc.Timestamp    `json:"updated"`
	Status       record.Status    `json:"status"`
	Decision     *record.Decision `json:"decision,omitempty"`
	Fields       map[string]Field `json:"fields"`
	Events       []Event          `json:"events,omitempty"`
	Refused      []Refusal        `json:"refused,omitempty"`
}

// Values is the winning value of every field that has one.
func (s *State) Values() record.Fields {
	out := make(record.Fields, len(s.Fields))
	for p, f := range s.Fields {
		if f.Value != "" {
			out[p] = f.Value
		}
	}
	return out
}

// Versions is the HLC of each field's winning write: the base an editor
// (the operator at the hub) has seen.
func (s *State) Versions() map[string]hlc.Timestamp {
	out := make(map[string]hlc.Timestamp, len(s.Fields))
	for p, f := range s.Fields {
		out[p] = f.HLC
	}
	return out
}

// Conflicts lists the paths with unresolved concurrent values, sorted.
func (s *State) Conflicts() []string {
	var out []string
	for p, f := range s.Fields {
		if len(f.Conflict) > 0 {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// Less is the order ops are folded in: (HLC, device, seq, op id).
func Less(a, b syncproto.Op) int {
	if c := hlc.Compare(a.HLC, a.DeviceID, b.HLC, b.DeviceID); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Seq, b.Seq); c != 0 {
		return c
	}
	// (device, seq) is unique in valid input; the op id keeps the order
	// total even when it is not.
	return strings.Compare(a.OpID, b.OpID)
}

// Fold replays ops (all of one record, in any order; duplicates by OpID
// are applied once) and returns the record's state. ops is not modified.
func Fold(ops []syncproto.Op) *State {
	sorted := slices.Clone(ops)
	slices.SortFunc(sorted, Less)
	s := &State{Fields: map[string]Field{}}
	seen := make(map[string]bool, len(sorted))
	for _, op := range sorted {
		if seen[op.OpID] {
			continue
		}
		seen[op.OpID] = true
		s.apply(op)
	}
	return s
}

func (s *State) apply(op syncproto.Op) {
	if s.ID == "" {
		s.ID, s.Kind = op.RecordID, op.Kind
	}
	s.Updated = max(s.Updated, op.HLC)
	// Only the laptop that made a record, and the hub, write to it. A
	// device's own ops always sort after its create (its clock never runs
	// back), so an op before any create is not from the record's maker.
	if op.Action != syncproto.ActionCreate && op.DeviceID != syncproto.HubSender {
		if s.Created == 0 {
			s.refuse(op, "the record does not exist yet")
			return
		}
		if op.DeviceID != s.DeviceID {
			s.refuse(op, "written by another device than the one that made the record")
			return
		}
	}
	switch op.Action {
	case syncproto.ActionCreate:
		if s.Created != 0 {
			s.refuse(op, "record created twice")
			return
		}
		s.Created, s.Status = op.HLC, record.StatusDraft
		s.DeviceID, s.TrackingCode, s.Officer = op.DeviceID, op.Meta["tracking_code"], op.Meta["officer"]
		s.write(op)
	case syncproto.ActionUpdate:
		// Officers may change a record only while it is theirs to change;
		// the hub (an operator's fix or a conflict resolution) at any time
		// before approval.
		if op.DeviceID != syncproto.HubSender && !record.OfficerEditable(officerView(s.Status)) {
			s.refuse(op, "record is "+string(s.Status)+": an officer's edit no longer applies")
			return
		}
		if op.DeviceID == syncproto.HubSender && s.Status == record.StatusApproved {
			s.refuse(op, "record is approved: it can no longer be edited")
			return
		}
		s.write(op)
	case syncproto.ActionSubmit:
		// At the hub a submitted record has arrived: received. A second
		// submit of a record already received is harmless.
		if s.Status != record.StatusReceived {
			s.transition(op, record.StatusReceived, "", record.CanTransition(officerView(s.Status), record.StatusSubmitted))
		}
		s.write(op) // a submit may carry the last edits
	case syncproto.ActionWithdraw:
		s.transition(op, record.StatusWithdrawn, op.Meta["reason"], record.CanTransition(s.Status, record.StatusWithdrawn))
	case syncproto.ActionDecide:
		if op.DeviceID != syncproto.HubSender {
			s.refuse(op, "only the hub decides")
			return
		}
		outcome := record.Status(op.Meta["outcome"])
		if s.transition(op, outcome, op.Meta["reason"], record.CanTransition(s.Status, outcome) && outcome != record.StatusWithdrawn) {
			d := &record.Decision{Outcome: outcome, Reason: op.Meta["reason"],
				RegistrationNumber: op.Meta["registration_number"], DecidedAt: op.HLC.Time(), By: op.Meta["by"]}
			if f := op.Meta["fields"]; f != "" {
				d.Fields = strings.Split(f, ",")
			}
			s.Decision = d
		}
	default:
		s.refuse(op, "unknown action "+string(op.Action))
	}
}

// officerView maps the hub's received back to what the officer's laptop
// calls it before it hears from the hub: submitted (still editable there).
func officerView(st record.Status) record.Status {
	if st == record.StatusReceived {
		return record.StatusSubmitted
	}
	return st
}

// transition moves the status to to when ok (the state machine allows
// it), and records a refusal otherwise.
func (s *State) transition(op syncproto.Op, to record.Status, reason string, ok bool) bool {
	from := s.Status
	if !ok {
		s.refuse(op, "cannot go from "+string(from)+" to "+string(to))
		return false
	}
	s.Status = to
	s.Events = append(s.Events, Event{HLC: op.HLC, Device: op.DeviceID, Action: op.Action, From: from, To: to, Reason: reason})
	return true
}

func (s *State) refuse(op syncproto.Op, reason string) {
	s.Refused = append(s.Refused, Refusal{OpID: op.OpID, Device: op.DeviceID, HLC: op.HLC, Action: op.Action, Reason: reason})
}

// write applies op's fields, register by register.
func (s *State) write(op syncproto.Op) {
	paths := make([]string, 0, len(op.Fields))
	for p := range op.Fields {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	// A hub write names how far into the record maker's op log the hub had
	// got (seen_seq): a laptop write past it was not seen, even if the
	// laptop's slow clock stamped it below the hub's base.
	seenSeq, hasSeen := uint64(0), false
	if v, ok := op.Meta[MetaSeenSeq]; ok && op.DeviceID == syncproto.HubSender {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			seenSeq, hasSeen = n, true
		}
	}
	for _, p := range paths {
		w := Write{Value: op.Fields[p], HLC: op.HLC, Device: op.DeviceID, Base: op.Base[p], OpID: op.OpID, Seq: op.Seq}
		s.Fields[p] = put(s.Fields[p], w, func(c Write) bool {
			if c.HLC > w.Base {
				return false
			}
			return !hasSeen || c.Device != s.DeviceID || c.Seq <= seenSeq
		})
	}
}

// MetaSeenSeq is the Meta key of a hub op that says up to which seq of the
// record maker's ops the hub had applied when the operator wrote.
const MetaSeenSeq = "seen_seq"

// put folds w (which sorts after every write already in f) into f; saw
// tells whether w's writer had seen an earlier write.
func put(f Field, w Write, saw func(Write) bool) Field {
	// w resolves every conflicting value it saw.
	kept := f.Conflict[:0:0]
	for _, c := range f.Conflict {
		if !saw(c) && c.Device != w.Device && c.Value != w.Value {
			kept = append(kept, c)
		}
	}
	cur := f.Write
	if cur.OpID != "" && !saw(cur) && cur.Device != w.Device && cur.Value != w.Value {
		// w did not see the current value: both are kept.
		kept = append(kept, cur)
	}
	return Field{Write: w, Conflict: kept}
}
