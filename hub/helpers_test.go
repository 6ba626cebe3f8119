package hub_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/internal/wilayah"
	"github.com/jemputbola/jemput/syncproto"
)

// t0 is the hub's clock at the start of every test: after the fixtures'
// birth and death dates, so that every fixture validates.
var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

var loadRegions = sync.OnceValues(wilayah.Load)

func regions(t testing.TB) *wilayah.Tree {
	t.Helper()
	r, err := loadRegions()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fixtureFields reads internal/record/testdata/<kind>.json once per kind.
var fixtureCache sync.Map // record.Kind -> record.Fields

func fixtureFields(t testing.TB, kind record.Kind) record.Fields {
	t.Helper()
	if v, ok := fixtureCache.Load(kind); ok {
		return v.(record.Fields).Clone()
	}
	data, err := os.ReadFile(filepath.Join("..", "internal", "record", "testdata", string(kind)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := record.SpecFor(kind)
	if err != nil {
		t.Fatal(err)
	}
	f, err := spec.Decode(data, regions(t))
	if err != nil {
		t.Fatalf("decode %s fixture: %v", kind, err)
	}
	fixtureCache.Store(kind, f)
	return f.Clone()
}

// ektpFields is the KTP-el fixture with a NIK of its own (serial 1..9999),
// so that records of one test are not duplicates of each other.
func ektpFields(t testing.TB, serial int) record.Fields {
	f := fixtureFields(t, record.KindEKTP)
	f["nik"] = fmt.Sprintf("%s%04d", f["nik"][:12], serial)
	return f
}

// clock is the hub's adjustable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is one hub over a real SQLite store in a temporary directory.
type fixture struct {
	ctx   context.Context
	h     *hub.Hub
	st    *sqlite.Store
	hubID syncproto.Identity
	clock *clock
}

func newIdentity(t testing.TB) syncproto.Identity {
	t.Helper()
	id, err := syncproto.NewIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func newFixture(t testing.TB) *fixture { return newHubWith(t, newIdentity(t)) }

// newHubWith opens a fresh hub with identity id (two hubs may share one).
func newHubWith(t testing.TB, id syncproto.Identity) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: t0}
	h, err := hub.New(ctx, st, hub.Config{Identity: id, Regions: regions(t), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ctx: ctx, h: h, st: st, hubID: id, clock: c}
}

// device is a fake laptop: its keys, its database epoch, its op counter,
// the sum of the last bundle it sealed, and its HLC (whole ms per op).
type device struct {
	id       string
	identity syncproto.Identity
	epoch    string
	officer  string
	seq      uint64
	prev     [32]byte
	ms       int64
}

func newDevice(t testing.TB, officer string) *device {
	t.Helper()
	e := make([]byte, 8)
	rand.Read(e)
	return &device{id: uuid.NewString(), identity: newIdentity(t), epoch: hex.EncodeToString(e), officer: officer,
		ms: t0.UnixMilli() - 3600_000}
}

// enrol makes a device and enrols it through the hub's API.
func (f *fixture) enrol(t testing.TB, officer string) *device {
	t.Helper()
	d := newDevice(t, officer)
	f.enrolDevice(t, d)
	return d
}

func (f *fixture) enrolDevice(t testing.TB, d *device) {
	t.Helper()
	code, _, err := f.h.NewEnrolCode(f.ctx, d.officer, nil)
	if err != nil {
		t.Fatal(err)
	}
	req, err := syncproto.NewEnrollRequest(code, d.id, d.officer, d.epoch, d.identity, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.h.Enroll(f.ctx, req); err != nil {
		t.Fatal(err)
	}
}

// op makes the device's next op.
func (d *device) op(recordID string, kind record.Kind, action syncproto.Action, fields record.Fields, base map[string]hlc.Timestamp, meta map[string]string) syncproto.Op {
	d.seq++
	d.ms++
	return syncproto.Op{OpID: uuid.NewString(), DeviceID: d.id, Seq: d.seq, HLC: hlc.New(d.ms, 0), RecordID: recordID,
		Kind: kind, Action: action, Fields: fields, Base: base, Meta: meta}
}

// create starts a new record with a fresh tracking code.
func (d *device) create(t testing.TB, kind record.Kind, fields record.Fields) syncproto.Op {
	t.Helper()
	code, err := tracking.New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return d.op(uuid.NewString(), kind, syncproto.ActionCreate, fields, nil,
		map[string]string{"tracking_code": string(code), "officer": d.officer})
}

// update writes fields of the record c created, with base the versions
// the device had seen.
func (d *device) update(c syncproto.Op, fields record.Fields, base map[string]hlc.Timestamp) syncproto.Op {
	return d.op(c.RecordID, c.Kind, syncproto.ActionUpdate, fields, base, nil)
}

func (d *device) submit(c syncproto.Op) syncproto.Op {
	return d.op(c.RecordID, c.Kind, syncproto.ActionSubmit, nil, nil, nil)
}

func (d *device) withdraw(c syncproto.Op, reason string) syncproto.Op {
	return d.op(c.RecordID, c.Kind, syncproto.ActionWithdraw, nil, nil, map[string]string{"reason": reason})
}

// seal seals ops into the device's next bundle to recipient and moves the
// device's Prev on.
func (d *device) sealTo(t testing.TB, to syncproto.PublicIdentity, ops ...syncproto.Op) []byte {
	t.Helper()
	hdr := syncproto.Header{ID: uuid.NewString(), Sender: d.id, Epoch: d.epoch, CreatedAt: time.Now(), Prev: d.prev}
	hdr.Cover(ops)
	var buf bytes.Buffer
	sealed, err := syncproto.Seal(&buf, hdr, ops, d.identity, to, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d.prev = sealed.Sum
	return buf.Bytes()
}

func (f *fixture) seal(t testing.TB, d *device, ops ...syncproto.Op) []byte {
	t.Helper()
	return d.sealTo(t, f.hubID.Public(), ops...)
}

// ingest ingests b over "http" and fails the test on an error.
func (f *fixture) ingest(t testing.TB, b []byte) hub.Result {
	t.Helper()
	res, err := f.h.Ingest(f.ctx, bytes.NewReader(b), "http")
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return res
}

// receipt checks that res is signed by the hub and says status and acked.
func (f *fixture) receipt(t testing.TB, res hub.Result, status syncproto.ReceiptStatus, acked uint64) syncproto.Receipt {
	t.Helper()
	rc, err := syncproto.VerifyReceipt(res.Signed, f.hubID.Public().Sign)
	if err != nil {
		t.Fatalf("receipt does not verify with the hub's key: %v", err)
	}
	if rc.Status != status || rc.AckedSeq != acked {
		t.Fatalf("receipt: status %s acked %d (%q), want %s acked %d", rc.Status, rc.AckedSeq, rc.Message, status, acked)
	}
	if rc.Status != res.Receipt.Status || rc.AckedSeq != res.Receipt.AckedSeq || rc.BundleID != res.Receipt.BundleID {
		t.Fatalf("signed receipt %+v differs from Result.Receipt %+v", rc, res.Receipt)
	}
	return rc
}

func (f *fixture) find(t testing.TB, ref string) hub.Record {
	t.Helper()
	r, err := f.h.Find(f.ctx, ref)
	if err != nil {
		t.Fatalf("find %s: %v", ref, err)
	}
	return r
}

func (f *fixture) absent(t testing.TB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if r, err := f.h.Find(f.ctx, id); !errors.Is(err, hub.ErrNotFound) {
			t.Fatalf("record %s: got %+v, %v; want ErrNotFound", id, r.State, err)
		}
	}
}

func (f *fixture) device(t testing.TB, id string) hub.Device {
	t.Helper()
	d, err := f.h.Device(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) records(t testing.TB, flt hub.Filter) []hub.Summary {
	t.Helper()
	rs, err := f.h.Records(f.ctx, flt)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// snapshot is every record's id, status, flags and state JSON: what an
// operator sees. Two equal snapshots are the same hub contents.
// Without flags, it is the records' fold alone.
func (f *fixture) snapshot(t testing.TB, flags bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range f.records(t, hub.Filter{}) {
		r := f.find(t, s.ID)
		st, err := json.Marshal(r.State)
		if err != nil {
			t.Fatal(err)
		}
		fl := slices.Clone(r.Flags)
		slices.Sort(fl)
		if !flags {
			fl = nil
		}
		out[s.ID] = fmt.Sprintf("status=%s flags=%v name=%q dupkey=%q state=%s", s.Status, fl, r.Name, r.DuplicateKey, st)
	}
	return out
}

// opener is how the device opens bundles from the hub.
func (d *device) opener(hub syncproto.PublicIdentity) *syncproto.Opener {
	return &syncproto.Opener{Me: d.identity, Trust: func(syncproto.Header) (ed25519.PublicKey, error) { return hub.Sign, nil }}
}

// fieldValues is the winning value of a field and its conflicting ones, sorted.
func fieldValues(r hub.Record, path string) []string {
	f := r.State.Fields[path]
	vs := []string{f.Value}
	for _, c := range f.Conflict {
		vs = append(vs, c.Value)
	}
	slices.Sort(vs)
	return vs
}
