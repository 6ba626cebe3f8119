// Package syncproto is the wire between laptops and the hub: ops, bundles
// and API types. It has no database and no HTTP server, so the agent, the
// hub and tests all speak it the same way.
//
// # Bundles
//
// A bundle carries a batch of ops from one sender (a device or the hub) to
// one recipient, over HTTP or as a file on a USB stick. The byte layout is
// documented on Encoder; testdata/bundle-v1.json is a test vector.
//
// Threat model. Whatever carries a bundle (the network, a USB stick, the
// person carrying it, a shared folder) may read, drop, reorder, cut,
// replay, corrupt or swap bundles, headers and chunks. Against that: the
// body is sealed to the recipient's X25519 key with a fresh ephemeral key
// (only the recipient's private key opens it; not even the sender can,
// once sealed); the sender's Ed25519 signature covers the header, which
// names the recipient, and the ciphertext digest, and is verified before
// any op is released; the header is also bound into the payload key, so a
// body cannot be moved under another header or re-signed by another
// sender; every length is bounded before it is allocated. The clear header
// holds no personal data: ids, ranges, counts, key fingerprints, sizes.
//
// Out of scope here: replay and freshness (this package keeps no state:
// the receiver checks sender, bundle id, seq range, epoch and Prev; see
// ErrReplay); revocation (the TrustFunc decides); a stolen sender key (it
// can sign anything well formed); a stolen recipient key (it opens every
// bundle ever sealed to it: there is no forward secrecy against that);
// traffic analysis (sizes and the clear header show).
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

// Hub actions: written only by the hub (DeviceID HubSender) and sent down
// to the device that made the record. A decision is an op, never a field,
// so status follows the state machine on every replica.
const (
	// ActionDecide: an operator's decision. Meta: outcome (approved,
	// rejected, needs_correction), reason, fields (comma-separated paths to
	// correct), registration_number (on approval), by.
	ActionDecide Action = "decide"
	// ActionWorklist: one entry of the officer's worklist, from the hub's
	// resident roster, for a village assigned to the device: a resident
	// of 17 or older without a KTP-el (Kind ektp) or a child without a
	// birth certificate (Kind birth). It is about no record of the
	// device: RecordID is the entry's id ("wl-ektp-<uuid>",
	// "wl-birth-<uuid>": random, never the NIK), the same in every later
	// op about the entry. Meta["state"] is "open" (show the entry; Fields
	// is the form's prefill in Kind's own field names, replacing any
	// earlier one) or "done" (remove it: registered, or no longer due;
	// no Fields). Ops about one entry arrive in seq order: the last one
	// applied says where it stands.
	ActionWorklist Action = "worklist"
)

// MetaResolves is the key, in an operator's update op (ActionUpdate from
// the hub), of the comma-separated paths whose conflict the edit resolves:
// the laptop tells the officer why their value was replaced.
const MetaResolves = "resolves"

// An ActionWorklist op's Meta["state"].
const (
	WorklistOpen = "open" // show the entry, with Fields as its prefill
	WorklistDone = "done" // remove the entry
)

// HubSender is the DeviceID of ops the hub writes and the Sender of the
// bundles it seals.
const HubSender = "hub"
