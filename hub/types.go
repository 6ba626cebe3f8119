package hub

import (
	"time"

	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/syncproto"
)

// Device is an enrolled laptop.
type Device struct {
	ID         string
	Officer    string
	Villages   []string
	Key        syncproto.PublicIdentity
	Epoch      string
	EnrolledAt time.Time
	// AppliedSeq is the highest seq up to which every op of this device
	// has been applied: what receipts acknowledge.
	AppliedSeq uint64
	LastSync   time.Time // zero: never
	// Skew is how far the device's clock was ahead of the hub's at its
	// last request (negative: behind).
	Skew time.Duration
	// RevokedAt is zero while the device may sync. CutoffSeq is the last
	// seq applied before revocation: anything later is quarantined.
	RevokedAt time.Time
	CutoffSeq uint64
	// Problem is set when the device's op chain broke (a restored backup or
	// a copied laptop); its bundles are quarantined until an admin looks.
	Problem string
}

// Revoked reports whether the device has been revoked.
func (d Device) Revoked() bool { return !d.RevokedAt.IsZero() }

// EnrolCode is a one-time enrolment code, stored by its hash.
type EnrolCode struct {
	Hash      string
	Officer   string
	Villages  []string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedBy    string // device id once used
}

// BundleState is what became of a bundle.
type BundleState = syncproto.ReceiptStatus

// Bundle is one bundle the hub has received.
type Bundle struct {
	ID         string
	DeviceID   string
	Sum        [32]byte
	Prev       [32]byte
	SeqFirst   uint64
	SeqLast    uint64
	Status     BundleState
	Message    string
	ReceivedAt time.Time
	Receipt    []byte // signed receipt, returned again on a replay
	Raw        []byte // kept while held or quarantined, to apply later
}

// Record is a record at the hub: its merged state and what is derived from it.
type Record struct {
	State        *merge.State
	Flags        []string // FlagConflict, FlagDuplicate, FlagRefused
	Name         string   // display name, for lists
	DuplicateKey string
	Via          string // "http" or "file": how it last arrived
}

// Flags a record can carry.
const (
	FlagConflict  = "conflict"
	FlagDuplicate = "duplicate"
	FlagRefused   = "refused" // an op the state machine refused; see State.Refused
)

// HasFlag reports whether r carries flag.
func (r *Record) HasFlag(flag string) bool {
	for _, f := range r.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// Duplicate is a likely second registration of one person or event.
type Duplicate struct {
	A, B      string // record ids, A < B
	Key       string
	Status    string // DupOpen, DupSame, DupDifferent
	DecidedBy string
	DecidedAt time.Time
}

// Duplicate pair statuses.
const (
	DupOpen      = "open"
	DupSame      = "same"      // an operator's judgement
	DupDifferent = "different" // an operator's judgement
	DupStale     = "stale"     // found automatically, then edited apart

)

// Upload is a resumable upload of one bundle.
type Upload struct {
	ID        string
	DeviceID  string
	BundleID  string
	Size      int64
	Sum       string // hex sha256 the device declared
	CreatedAt time.Time
	Complete  bool
}

// Filter selects records for lists.
type Filter struct {
	Status record.Status
	Kind   record.Kind
	Flag   string
	Device string
	Region string // region code prefix: records in it and under it
	Limit  int    // 0: no limit
	Offset int
}

// Summary is a record in a list.
type Summary struct {
	ID           string
	Kind         record.Kind
	Status       record.Status
	TrackingCode string
	VillageCode  string
	Name         string
	Flags        []string
	DeviceID     string
	Officer      string
	UpdatedAt    time.Time
}
