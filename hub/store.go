package hub

import (
	"context"
	"time"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/syncproto"
)

// Store is the hub's persistence. Implementations keep SQL portable
// (SQLite now, PostgreSQL next) and hold all of it; the hub itself has no
// SQL. Not-found lookups return an error wrapping ErrNotFound.
type Store interface {
	// Update runs fn in one write transaction: all of fn's changes commit
	// together, or none if fn returns an error. Writers are serialised.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is what one transaction can do.
type Tx interface {
	Meta(key string) (string, error) // "" when unset
	SetMeta(key, value string) error
	// NextSeq increments the named counter and returns its new value (1 first).
	NextSeq(name string) (uint64, error)

	PutEnrolCode(c EnrolCode) error
	EnrolCode(hash string) (EnrolCode, error)

	PutDevice(d Device) error // insert or replace
	Device(id string) (Device, error)
	Devices() ([]Device, error)

	PutBundle(b Bundle) error // insert or replace
	Bundle(id string) (Bundle, error)
	// BundleEnding is the accepted bundle of device whose range ends at seq.
	BundleEnding(device string, seq uint64) (Bundle, error)
	// HeldBundles are device's bundles waiting for a gap, by SeqFirst.
	HeldBundles(device string) ([]Bundle, error)

	// PutOp stores an applied op. target is the device a hub op is for
	// ("" for a device's own op). It returns false, storing nothing, when
	// (device, seq) is already there.
	PutOp(op syncproto.Op, target string) (bool, error)
	// OpAt is the op device wrote with seq.
	OpAt(device string, seq uint64) (syncproto.Op, error)
	RecordOps(recordID string) ([]syncproto.Op, error)
	// Downstream is the hub ops for device with seq > after, in order.
	Downstream(device string, after uint64, limit int) ([]syncproto.Op, error)

	PutRecord(r Record) error // insert or replace
	Record(id string) (Record, error)
	RecordByTracking(code string) (Record, error)
	Records(f Filter) ([]Summary, error)
	// RecordsByDuplicateKey lists the ids of records with key.
	RecordsByDuplicateKey(key string) ([]string, error)

	PutDuplicate(d Duplicate) error // insert or replace by (A, B)
	Duplicates(recordID string) ([]Duplicate, error)

	PutUpload(u Upload) error
	Upload(id string) (Upload, error)
	UploadByBundle(device, bundleID string) (Upload, error)

	// LastAudit is the newest audit entry (ErrNotFound when the log is empty).
	LastAudit() (AuditEntry, error)
	AppendAudit(e AuditEntry) error
	// AuditEntries are the entries with Seq > after, oldest first (limit 0: all).
	AuditEntries(after uint64, limit int) ([]AuditEntry, error)

	PutUser(u User) error
	User(name string) (User, error)
	Users() ([]User, error)
	PutSession(s Session) error
	Session(tokenHash string) (Session, error)
	DeleteSession(tokenHash string) error

	// UseNonce records a request nonce; false when device used it before
	// (a replayed request). Nonces older than before may be forgotten.
	UseNonce(device, nonce string, at, before time.Time) (bool, error)

	// PutResident inserts or replaces a roster resident by NIK.
	PutResident(r Resident) error
	// Resident is the roster's resident with nik.
	Resident(nik string) (Resident, error)
	// Residents lists the roster's residents of one village (exact code),
	// by NIK.
	Residents(village string) ([]Resident, error)
	// ResidentsDue lists the residents of village (exact code) who may be
	// on a worklist: without a KTP-el and born on or before adultBorn, or
	// without a birth certificate and born after grownBorn (dates
	// YYYY-MM-DD), by NIK.
	ResidentsDue(village, adultBorn, grownBorn string) ([]Resident, error)
	// ResidentsByKK lists the roster's residents on family card kk, by NIK.
	ResidentsByKK(kk string) ([]Resident, error)
	// RosterVillages lists the village codes of the roster's residents in
	// region: the code itself or any code under it ("" for all), sorted.
	RosterVillages(region string) ([]string, error)
	// ApprovedKeys says which of keys (see Record.DuplicateKey) an
	// approved record has.
	ApprovedKeys(keys []string) (map[string]bool, error)
	// ApprovedByEventDate lists the approved records of kind whose event
	// date (a birth's birth_date, a death's death_date) is one of dates.
	ApprovedByEventDate(kind record.Kind, dates []string) ([]Record, error)
	// WorklistSent is what device was last sent of the worklist entries of
	// the villages in region (the code itself or under it).
	WorklistSent(device, region string) ([]WorklistItem, error)
	// PutWorklistSent inserts or replaces by (Device, EntryID).
	PutWorklistSent(w WorklistItem) error
}
