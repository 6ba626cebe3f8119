package merge

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/syncproto"
)

const rec = "0190a000-0000-7000-8000-000000000001"

var opN int

func op(dev string, seq uint64, at int64, action syncproto.Action, fields record.Fields, base map[string]hlc.Timestamp, meta map[string]string) syncproto.Op {
	opN++
	return syncproto.Op{OpID: fmt.Sprintf("op-%s-%d-%d", dev, seq, opN), DeviceID: dev, Seq: seq, HLC: hlc.New(at, 0),
		RecordID: rec, Kind: record.KindEKTP, Action: action, Fields: fields, Base: base, Meta: meta}
}

func ts(ms int64) hlc.Timestamp { return hlc.New(ms, 0) }

func create(at int64) syncproto.Op {
	return op("dev-a", 1, at, syncproto.ActionCreate, record.Fields{"full_name": "Ma'ruf", "address": "Jl. Sungai"}, nil,
		map[string]string{"tracking_code": "ABCD-EFGH-JKLM", "officer": "Petugas A"})
}

func decide(at int64, outcome record.Status, reason string) syncproto.Op {
	return op(syncproto.HubSender, uint64(at), at, syncproto.ActionDecide, nil, nil,
		map[string]string{"outcome": string(outcome), "reason": reason, "registration_number": "6411-EKTP-1"})
}

func TestFoldLastWriterWinsWithoutConflict(t *testing.T) {
	c := create(1000)
	// The officer edits having seen the create: an ordinary later edit.
	e := op("dev-a", 2, 2000, syncproto.ActionUpdate, record.Fields{"address": "Jl. Baru"}, map[string]hlc.Timestamp{"address": ts(1000)}, nil)
	s := Fold([]syncproto.Op{e, c})
	if got := s.Values()["address"]; got != "Jl. Baru" {
		t.Fatalf("address = %q, want the later edit", got)
	}
	if len(s.Conflicts()) != 0 {
		t.Fatalf("conflicts %v on a sequential edit", s.Conflicts())
	}
	if s.TrackingCode != "ABCD-EFGH-JKLM" || s.DeviceID != "dev-a" || s.Status != record.StatusDraft {
		t.Fatalf("state %+v", s)
	}
}

func TestFoldConcurrentEditsConflictAndResolve(t *testing.T) {
	c := create(1000)
	// The operator and the officer both change the address, neither having
	// seen the other's change.
	hub := op(syncproto.HubSender, 1, 3000, syncproto.ActionUpdate, record.Fields{"address": "Jl. Operator"}, map[string]hlc.Timestamp{"address": ts(1000)}, nil)
	off := op("dev-a", 2, 2500, syncproto.ActionUpdate, record.Fields{"address": "Jl. Officer"}, map[string]hlc.Timestamp{"address": ts(1000)}, nil)
	s := Fold([]syncproto.Op{c, hub, off})
	if got := s.Values()["address"]; got != "Jl. Operator" {
		t.Fatalf("winner %q, want the later write", got)
	}
	if !reflect.DeepEqual(s.Conflicts(), []string{"address"}) {
		t.Fatalf("conflicts %v, want [address]", s.Conflicts())
	}
	if cf := s.Fields["address"].Conflict; len(cf) != 1 || cf[0].Value != "Jl. Officer" {
		t.Fatalf("kept values %+v, want the officer's value kept", cf)
	}
	// The same value from both sides is no conflict.
	same := op("dev-a", 2, 2500, syncproto.ActionUpdate, record.Fields{"address": "Jl. Operator"}, map[string]hlc.Timestamp{"address": ts(1000)}, nil)
	if s := Fold([]syncproto.Op{c, hub, same}); len(s.Conflicts()) != 0 {
		t.Fatalf("equal values flagged as conflict")
	}
	// The operator resolves: a write that saw both values.
	res := op(syncproto.HubSender, 2, 4000, syncproto.ActionUpdate, record.Fields{"address": "Jl. Officer"}, map[string]hlc.Timestamp{"address": ts(3000)}, nil)
	s = Fold([]syncproto.Op{res, off, c, hub})
	if len(s.Conflicts()) != 0 || s.Values()["address"] != "Jl. Officer" {
		t.Fatalf("after resolution: conflicts %v value %q", s.Conflicts(), s.Values()["address"])
	}
}

func TestFoldStatusFollowsStateMachine(t *testing.T) {
	c := create(1000)
	sub := op("dev-a", 2, 2000, syncproto.ActionSubmit, nil, nil, nil)
	tests := []struct {
		name    string
		ops     []syncproto.Op
		status  record.Status
		refused int
	}{
		{"draft", []syncproto.Op{c}, record.StatusDraft, 0},
		{"submitted arrives as received", []syncproto.Op{c, sub}, record.StatusReceived, 0},
		{"approved", []syncproto.Op{c, sub, decide(3000, record.StatusApproved, "")}, record.StatusApproved, 0},
		{"decision before submit is refused", []syncproto.Op{c, decide(1500, record.StatusApproved, ""), sub}, record.StatusReceived, 1},
		{"correction then resubmit", []syncproto.Op{c, sub, decide(3000, record.StatusNeedsCorrection, "foto buram"),
			op("dev-a", 3, 4000, syncproto.ActionSubmit, nil, nil, nil)}, record.StatusReceived, 0},
		{"withdraw after approval is refused", []syncproto.Op{c, sub, decide(3000, record.StatusApproved, ""),
			op("dev-a", 3, 4000, syncproto.ActionWithdraw, nil, nil, map[string]string{"reason": "salah"})}, record.StatusApproved, 1},
		{"officer edit after approval is refused", []syncproto.Op{c, sub, decide(3000, record.StatusApproved, ""),
			op("dev-a", 3, 4000, syncproto.ActionUpdate, record.Fields{"address": "x"}, nil, nil)}, record.StatusApproved, 1},
		{"a device cannot decide", []syncproto.Op{c, sub, op("dev-a", 3, 3000, syncproto.ActionDecide, nil, nil, map[string]string{"outcome": "approved"})}, record.StatusReceived, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Fold(tt.ops)
			if s.Status != tt.status || len(s.Refused) != tt.refused {
				t.Fatalf("status %s refused %+v; want %s and %d refused", s.Status, s.Refused, tt.status, tt.refused)
			}
		})
	}
}

func TestFoldDecisionCarriesRegistrationNumber(t *testing.T) {
	s := Fold([]syncproto.Op{create(1000), op("dev-a", 2, 2000, syncproto.ActionSubmit, nil, nil, nil), decide(3000, record.StatusApproved, "")})
	if s.Decision == nil || s.Decision.RegistrationNumber != "6411-EKTP-1" || s.Decision.Outcome != record.StatusApproved {
		t.Fatalf("decision %+v", s.Decision)
	}
}

// The same set of ops gives the same state in any order: the guarantee the
// hub and every agent rely on to converge.
func TestFoldIsOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	devices := []string{"dev-a", "dev-b", syncproto.HubSender}
	values := []string{"satu", "dua", "tiga"}
	paths := []string{"address", "occupation", "rt"}
	for round := 0; round < 200; round++ {
		ops := []syncproto.Op{create(1000)}
		seqs := map[string]uint64{"dev-a": 1}
		for i := 0; i < 2+rng.IntN(10); i++ {
			dev := devices[rng.IntN(len(devices))]
			seqs[dev]++
			at := int64(1000 + rng.IntN(50)*10)
			p := paths[rng.IntN(len(paths))]
			base := map[string]hlc.Timestamp{p: ts(rng.Int64N(at-999+1) + 999)}
			var o syncproto.Op
			switch rng.IntN(6) {
			case 0:
				o = op(dev, seqs[dev], at, syncproto.ActionSubmit, nil, nil, nil)
			case 1:
				o = decide(at, record.StatusNeedsCorrection, "x")
			default:
				o = op(dev, seqs[dev], at, syncproto.ActionUpdate, record.Fields{p: values[rng.IntN(len(values))]}, base, nil)
			}
			ops = append(ops, o)
		}
		want, _ := json.Marshal(Fold(ops))
		for k := 0; k < 5; k++ {
			shuffled := append([]syncproto.Op(nil), ops...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			// Duplicates (a bundle delivered twice) change nothing either.
			shuffled = append(shuffled, shuffled[rng.IntN(len(shuffled))])
			got, _ := json.Marshal(Fold(shuffled))
			if string(got) != string(want) {
				t.Fatalf("round %d: order changed the state\n got %s\nwant %s", round, got, want)
			}
		}
	}
}

func TestFoldRefusesWritesFromAnotherDevice(t *testing.T) {
	c := create(1000)
	foreign := op("dev-b", 1, 2000, syncproto.ActionUpdate, record.Fields{"address": "Jl. Palsu"}, nil, nil)
	withdraw := op("dev-b", 2, 2100, syncproto.ActionWithdraw, nil, nil, map[string]string{"reason": "x"})
	s := Fold([]syncproto.Op{c, foreign, withdraw})
	if s.Values()["address"] != "Jl. Sungai" || s.Status != record.StatusDraft || len(s.Refused) != 2 {
		t.Fatalf("another device changed the record: address %q status %s refused %+v", s.Values()["address"], s.Status, s.Refused)
	}
}

// An operator's resolution names how far into the laptop's ops it had
// seen; a laptop write past that, stamped below the resolution by a slow
// clock, stays a conflict instead of vanishing.
func TestFoldSeenSeqKeepsSlowClockWrites(t *testing.T) {
	c := create(1000)
	late := op("dev-a", 2, 1500, syncproto.ActionUpdate, record.Fields{"address": "Jl. Laptop"}, map[string]hlc.Timestamp{"address": ts(1000)}, nil)
	res := op(syncproto.HubSender, 1, 5000, syncproto.ActionUpdate, record.Fields{"address": "Jl. Operator"},
		map[string]hlc.Timestamp{"address": ts(4000)}, map[string]string{MetaSeenSeq: "1"})
	if s := Fold([]syncproto.Op{c, late, res}); !reflect.DeepEqual(s.Conflicts(), []string{"address"}) {
		t.Fatalf("a write the operator never saw was dropped: conflicts %v", s.Conflicts())
	}
	res.Meta[MetaSeenSeq] = "2"
	if s := Fold([]syncproto.Op{c, late, res}); len(s.Conflicts()) != 0 {
		t.Fatalf("a write the operator saw is still a conflict: %v", s.Conflicts())
	}
}
