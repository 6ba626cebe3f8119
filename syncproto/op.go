// Package syncproto is the wire between laptops and the hub: ops, bundles
// and API types. It has no database and no HTTP server, so the agent, the
// hub and tests all speak it the same way.
package syncproto

import (
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
)

// Action is what an op does to a record.
type Action string

const (
	ActionCreate   Action = "create"   // first write: every field the officer gave
	ActionUpdate   Action = "update"   // changed fields only
	ActionSubmit   Action = "submit"   // officer finalises; status draft/needs_correction -> submitted
	ActionWithdraw Action = "withdraw" // tombstone; nothing is hard-deleted once synced
)

// Op is one write, appended in the same transaction as the row it changes.
// Ops are the unit of sync: the hub applies them idempotently by
// (DeviceID, Seq) and merges Fields per path by (HLC, DeviceID).
type Op struct {
	OpID     string        `json:"op_id"`
	DeviceID string        `json:"device_id"`
	Seq      uint64        `json:"seq"` // 1, 2, 3... per device, no gaps
	HLC      hlc.Timestamp `json:"hlc"`
	RecordID string        `json:"record_id"`
	Kind     record.Kind   `json:"kind"`
	Action   Action        `json:"action"`
	// Fields written by this op: path -> new value ("" clears the field).
	Fields record.Fields `json:"fields,omitempty"`
	// Base names, per written path, the version (HLC) of that field the
	// writer had seen; zero for a field it had never seen. The hub uses it
	// to tell a conflict from an ordinary later edit.
	Base map[string]hlc.Timestamp `json:"base,omitempty"`
	// Meta carries what is not a field: the tracking code and officer on
	// create, the warnings the officer confirmed on submit.
	Meta map[string]string `json:"meta,omitempty"`
}
