package hub_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/syncproto"
)

// 1. A bundle of creates and submits is applied, and says so in a receipt
// the hub signed.
func TestIngestAppliesBundle(t *testing.T) {
	for _, kind := range []record.Kind{record.KindEKTP, record.KindBirth, record.KindDeath} {
		t.Run(string(kind), func(t *testing.T) {
			f := newFixture(t)
			dev := f.enrol(t, "Petugas A")
			fields := fixtureFields(t, kind)
			c1 := dev.create(t, kind, fields)
			draft := dev.create(t, record.KindEKTP, ektpFields(t, 9))
			ops := []syncproto.Op{c1, draft, dev.submit(c1)}
			b := f.seal(t, dev, ops...)
			sum := dev.prev

			res := f.ingest(t, b)
			if res.Replayed {
				t.Error("first ingest reported as a replay")
			}
			rc := f.receipt(t, res, syncproto.ReceiptApplied, 3)
			if rc.Applied != 3 || rc.Conflicts != 0 || rc.Duplicates != 0 || rc.SeqFirst != 1 || rc.SeqLast != 3 {
				t.Errorf("receipt counts: %+v", rc)
			}
			if rc.Sum != hex.EncodeToString(sum[:]) || rc.DeviceID != dev.id || rc.Hub != f.hubID.Public().SignFingerprint() {
				t.Errorf("receipt names sum %s device %s hub %s", rc.Sum, rc.DeviceID, rc.Hub)
			}
			if _, err := syncproto.VerifyReceipt(res.Signed, newIdentity(t).Public().Sign); err == nil {
				t.Error("receipt verifies with a key that is not the hub's")
			}

			r := f.find(t, c1.RecordID)
			spec, _ := record.SpecFor(kind)
			if r.State.Status != record.StatusReceived || r.State.Kind != kind || r.State.DeviceID != dev.id ||
				r.State.Officer != "Petugas A" || r.Via != "http" || len(r.Flags) != 0 {
				t.Errorf("record: status %s kind %s device %s officer %q via %q flags %v", r.State.Status, r.State.Kind,
					r.State.DeviceID, r.State.Officer, r.Via, r.Flags)
			}
			if got := r.State.Values(); !equalFields(got, fields) {
				t.Errorf("fields:\n got %v\nwant %v", got, fields)
			}
			if r.Name != fields[spec.NameField] || r.Name == "" {
				t.Errorf("name %q, want %q", r.Name, fields[spec.NameField])
			}
			// The tracking code finds it too, typed as people type it.
			code := tracking.Code(c1.Meta["tracking_code"])
			for _, ref := range []string{string(code), code.String(), strings.ToLower(code.String())} {
				if got := f.find(t, ref); got.State.ID != c1.RecordID {
					t.Errorf("find %q: %s", ref, got.State.ID)
				}
			}
			if d := f.find(t, draft.RecordID); d.State.Status != record.StatusDraft {
				t.Errorf("unsubmitted record: %s, want draft", d.State.Status)
			}
			if got := f.records(t, hub.Filter{Status: record.StatusReceived}); len(got) != 1 || got[0].ID != c1.RecordID {
				t.Errorf("received records: %+v", got)
			}
			if got := f.records(t, hub.Filter{Device: dev.id}); len(got) != 2 {
				t.Errorf("records of the device: %d, want 2", len(got))
			}
			d := f.device(t, dev.id)
			if d.AppliedSeq != 3 || !d.LastSync.Equal(t0) || d.Problem != "" {
				t.Errorf("device: applied %d last sync %v problem %q", d.AppliedSeq, d.LastSync, d.Problem)
			}
		})
	}
}

func equalFields(a, b record.Fields) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// 2. The same bundle twice: the first receipt again, and nothing applied twice.
func TestIngestReplay(t *testing.T) {
	f := newFixture(t)
	dev := f.enrol(t, "Petugas")
	c := dev.create(t, record.KindEKTP, ektpFields(t, 1))
	b := f.seal(t, dev, c, dev.submit(c))
	first := f.ingest(t, b)
	before := f.snapshot(t, true)
	f.clock.Advance(time.Hour)

	again := f.ingest(t, b)
	if !again.Replayed || !bytes.Equal(again.Signed, first.Signed) {
		t.Errorf("second ingest: replayed %v, same receipt bytes %v", again.Replayed, bytes.Equal(again.Signed, first.Signed))
	}
	f.receipt(t, again, syncproto.ReceiptApplied, 2)
	ops, _, err := f.h.History(f.ctx, c.RecordID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[0].OpID == ops[1].OpID {
		t.Errorf("history holds %d ops, want the create and the submit once each", len(ops))
	}
	if after := f.snapshot(t, true); !equalSnap(before, after) {
		t.Errorf("a replay changed records:\n%v\n%v", before, after)
	}
	if d := f.device(t, dev.id); d.AppliedSeq != 2 {
		t.Errorf("applied seq %d", d.AppliedSeq)
	}

	// The same bundle id with other bytes (sealed again) is refused.
	hdr, err := syncproto.PeekHeader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	h2 := syncproto.Header{ID: hdr.ID, Sender: dev.id, Epoch: dev.epoch, CreatedAt: time.Now()}
	other := []syncproto.Op{c}
	h2.Cover(other)
	var buf bytes.Buffer
	if _, err := syncproto.Seal(&buf, h2, other, dev.identity, f.hubID.Public(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if _, err := f.h.Ingest(f.ctx, &buf, "http"); !errors.Is(err, syncproto.ErrReplay) {
		t.Errorf("same id, other bytes: %v, want ErrReplay", err)
	}
}

func equalSnap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// 3. A bundle after a gap is held until the gap fills, in any order.
func TestGapHeldThenReleased(t *testing.T) {
	f := newFixture(t)
	dev := f.enrol(t, "Petugas")
	c1 := dev.create(t, record.KindEKTP, ektpFields(t, 1))
	b1 := f.seal(t, dev, c1, dev.submit(c1))
	c2 := dev.create(t, record.KindDeath, fixtureFields(t, record.KindDeath))
	upd := dev.update(c1, record.Fields{"occupation": "Nelayan"}, map[string]hlc.Timestamp{"occupation": c1.HLC})
	b2 := f.seal(t, dev, c2, upd)

	held := f.ingest(t, b2)
	rc := f.receipt(t, held, syncproto.ReceiptHeld, 0)
	if rc.Message == "" || rc.Applied != 0 {
		t.Errorf("held receipt: message %q applied %d", rc.Message, rc.Applied)
	}
	f.absent(t, c1.RecordID, c2.RecordID)
	if d := f.device(t, dev.id); d.AppliedSeq != 0 {
		t.Errorf("applied seq %d while held", d.AppliedSeq)
	}
	// Sent again while still held: the same answer.
	if again := f.ingest(t, b2); !again.Replayed || !bytes.Equal(again.Signed, held.Signed) {
		t.Errorf("held bundle sent again: replayed %v same bytes %v", again.Replayed, bytes.Equal(again.Signed, held.Signed))
	}

	res := f.ingest(t, b1)
	rc = f.receipt(t, res, syncproto.ReceiptApplied, 4)
	if rc.Applied != 4 {
		t.Errorf("applied %d ops, want 4 (2 and the 2 held)", rc.Applied)
	}
	if r := f.find(t, c1.RecordID); r.State.Status != record.StatusReceived || r.State.Values()["occupation"] != "Nelayan" {
		t.Errorf("record 1: %s, occupation %q", r.State.Status, r.State.Values()["occupation"])
	}
	if r := f.find(t, c2.RecordID); r.State.Status != record.StatusDraft {
		t.Errorf("record 2: %s", r.State.Status)
	}
	// The held bundle, sent again, now says applied.
	again := f.ingest(t, b2)
	if !again.Replayed {
		t.Error("not a replay")
	}
	f.receipt(t, again, syncproto.ReceiptApplied, 4)
}

func TestGapOrders(t *testing.T) {
	for _, order := range [][]int{{2, 1, 0}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {1, 0, 2}, {0, 1, 2}} {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			f := newFixture(t)
			dev := f.enrol(t, "Petugas")
			var bundles [][]byte
			var ids []string
			for i := range 3 {
				c := dev.create(t, record.KindEKTP, ektpFields(t, i+1))
				ids = append(ids, c.RecordID)
				bundles = append(bundles, f.seal(t, dev, c, dev.submit(c)))
			}
			var last hub.Result
			for _, i := range order {
				last = f.ingest(t, bundles[i])
			}
			f.receipt(t, last, syncproto.ReceiptApplied, 6)
			for _, id := range ids {
				if r := f.find(t, id); r.State.Status != record.StatusReceived {
					t.Errorf("%s: %s", id, r.State.Status)
				}
			}
			for i, b := range bundles {
				res := f.ingest(t, b)
				if rc := f.receipt(t, res, syncproto.ReceiptApplied, 6); !res.Replayed {
					t.Errorf("bundle %d: %+v not a replay", i, rc)
				}
			}
		})
	}
}

// 4. A laptop restored from a backup, or another database, is detected:
// its bundle is quarantined and nothing changes.
func TestForkQuarantined(t *testing.T) {
	tests := []struct {
		name string
		// fork seals a bundle from dev after bundles 1 and 2; backup is dev
		// as it was after bundle 1.
		fork func(t *testing.T, f *fixture, dev, backup *device) ([]byte, []string)
	}{
		{"backup reuses seqs 3-4 for other ops", func(t *testing.T, f *fixture, dev, backup *device) ([]byte, []string) {
			c := backup.create(t, record.KindEKTP, ektpFields(t, 50))
			return f.seal(t, backup, c, backup.submit(c)), []string{c.RecordID}
		}},
		{"backup reuses seq 3 and goes on to 5", func(t *testing.T, f *fixture, dev, backup *device) ([]byte, []string) {
			c := backup.create(t, record.KindEKTP, ektpFields(t, 50))
			c2 := backup.create(t, record.KindEKTP, ektpFields(t, 51))
			return f.seal(t, backup, c, c2, backup.submit(c)), []string{c.RecordID, c2.RecordID}
		}},
		{"another epoch", func(t *testing.T, f *fixture, dev, backup *device) ([]byte, []string) {
			dev.epoch = "ffee"
			c := dev.create(t, record.KindEKTP, ektpFields(t, 50))
			return f.seal(t, dev, c, dev.submit(c)), []string{c.RecordID}
		}},
		{"prev is not the last bundle", func(t *testing.T, f *fixture, dev, backup *device) ([]byte, []string) {
			dev.prev = [32]byte{1}
			c := dev.create(t, record.KindEKTP, ektpFields(t, 50))
			return f.seal(t, dev, c, dev.submit(c)), []string{c.RecordID}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			dev := f.enrol(t, "Petugas")
			c1 := dev.create(t, record.KindEKTP, ektpFields(t, 1))
			f.ingest(t, f.seal(t, dev, c1, dev.submit(c1)))
			backup := *dev
			c2 := dev.create(t, record.KindEKTP, ektpFields(t, 2))
			upd := dev.update(c1, record.Fields{"occupation": "Guru"}, map[string]hlc.Timestamp{"occupation": c1.HLC})
			f.ingest(t, f.seal(t, dev, c2, upd))
			before := f.snapshot(t, true)

			b, forked := tc.fork(t, f, dev, &backup)
			res := f.ingest(t, b)
			rc := f.receipt(t, res, syncproto.ReceiptQuarantined, 4)
			if rc.Message == "" || rc.Applied != 0 {
				t.Errorf("quarantine receipt: message %q applied %d", rc.Message, rc.Applied)
			}
			d := f.device(t, dev.id)
			if d.Problem == "" || d.AppliedSeq != 4 {
				t.Errorf("device: problem %q applied %d", d.Problem, d.AppliedSeq)
			}
			f.absent(t, forked...)
			if after := f.snapshot(t, true); !equalSnap(before, after) {
				t.Errorf("a quarantined bundle changed records")
			}
			// Once the chain broke, even a good bundle waits for an admin.
			good := *dev
			good.prev, good.seq, good.epoch = res2prev(t, f, dev), 4, d.Epoch
			c3 := good.create(t, record.KindEKTP, ektpFields(t, 3))
			res = f.ingest(t, f.seal(t, &good, c3, good.submit(c3)))
			f.receipt(t, res, syncproto.ReceiptQuarantined, 4)
			f.absent(t, c3.RecordID)
		})
	}
}

// res2prev is the sum of the device's last applied bundle: the Prev its
// real next bundle carries.
func res2prev(t *testing.T, f *fixture, dev *device) [32]byte {
	t.Helper()
	var sum [32]byte
	err := f.st.View(f.ctx, func(tx hub.Tx) error {
		b, err := tx.BundleEnding(dev.id, 4)
		sum = b.Sum
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// 5. A revoked laptop's later bundles are kept, not applied.
func TestRevoked(t *testing.T) {
	f := newFixture(t)
	dev := f.enrol(t, "Petugas")
	c1 := dev.create(t, record.KindEKTP, ektpFields(t, 1))
	b1 := f.seal(t, dev, c1, dev.submit(c1))
	f.ingest(t, b1)

	f.clock.Advance(time.Hour)
	d, err := f.h.Revoke(f.ctx, dev.id)
	if err != nil {
		t.Fatal(err)
	}
	revokedAt := t0.Add(time.Hour)
	if !d.Revoked() || !d.RevokedAt.Equal(revokedAt) || d.CutoffSeq != 2 {
		t.Fatalf("revoked: at %v cutoff %d", d.RevokedAt, d.CutoffSeq)
	}
	before := f.snapshot(t, true)

	c2 := dev.create(t, record.KindEKTP, ektpFields(t, 2))
	upd := dev.update(c1, record.Fields{"occupation": "Guru"}, map[string]hlc.Timestamp{"occupation": c1.HLC})
	res := f.ingest(t, f.seal(t, dev, c2, upd))
	rc := f.receipt(t, res, syncproto.ReceiptQuarantined, 2)
	if !strings.Contains(rc.Message, "revoked") {
		t.Errorf("message %q does not say revoked", rc.Message)
	}
	f.absent(t, c2.RecordID)
	if after := f.snapshot(t, true); !equalSnap(before, after) {
		t.Error("a revoked laptop's bundle changed records")
	}
	// What it sent before the cutoff stays answerable.
	if again := f.ingest(t, b1); !again.Replayed {
		t.Error("bundle before the cutoff: not a replay")
	}

	f.clock.Advance(time.Hour)
	d, err = f.h.Revoke(f.ctx, dev.id)
	if err != nil {
		t.Fatal(err)
	}
	if !d.RevokedAt.Equal(revokedAt) || d.CutoffSeq != 2 {
		t.Errorf("second revoke moved the cutoff: at %v seq %d", d.RevokedAt, d.CutoffSeq)
	}
	if got := f.device(t, dev.id); !got.RevokedAt.Equal(revokedAt) || got.CutoffSeq != 2 || got.AppliedSeq != 2 {
		t.Errorf("stored device: at %v cutoff %d applied %d", got.RevokedAt, got.CutoffSeq, got.AppliedSeq)
	}
	if _, err := f.h.Revoke(f.ctx, "no-such-device"); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
}

// 6. Bad input is refused with a clear error and changes nothing.
func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	dev := f.enrol(t, "Petugas")
	c1 := dev.create(t, record.KindEKTP, ektpFields(t, 1))
	f.ingest(t, f.seal(t, dev, c1, dev.submit(c1)))
	before := f.snapshot(t, true)

	// The good next bundle, and what can go wrong with it.
	next := *dev
	c2 := next.create(t, record.KindEKTP, ektpFields(t, 2))
	ops2 := []syncproto.Op{c2, next.submit(c2)}
	good := f.seal(t, &next, ops2...)

	cut := func(n int) []byte { return bytes.Clone(good[:n]) }
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 0x40; return b }
	otherHub := func() []byte { d := *dev; return d.sealTo(t, newIdentity(t).Public(), ops2...) }
	stranger := newDevice(t, "Orang lain")
	fromStranger := func() []byte {
		c := stranger.create(t, record.KindEKTP, ektpFields(t, 3))
		return stranger.sealTo(t, f.hubID.Public(), c)
	}
	impostor := func() []byte { // signed by another key under this device's id
		d := *dev
		d.identity = newIdentity(t)
		return d.sealTo(t, f.hubID.Public(), ops2...)
	}
	foreignOp := func() []byte { // carries an op of another device
		d := *dev
		o := stranger.create(t, record.KindEKTP, ektpFields(t, 4))
		o.Seq = 3
		return d.sealTo(t, f.hubID.Public(), o)
	}
	garbage := make([]byte, 600)
	rand.Read(garbage)

	tests := []struct {
		name string
		b    []byte
		want []error // any of
	}{
		{"empty", nil, []error{syncproto.ErrTruncated}},
		{"garbage", garbage, []error{syncproto.ErrBadMagic}},
		{"cut in the preamble", cut(10), []error{syncproto.ErrTruncated}},
		{"cut in the body", cut(len(good) / 2), []error{syncproto.ErrTruncated}},
		{"cut in the signature", cut(len(good) - 1), []error{syncproto.ErrTruncated}},
		{"flipped byte in the body", flip(len(good) - 100), []error{syncproto.ErrBadSignature, syncproto.ErrTampered, syncproto.ErrTruncated, syncproto.ErrMalformed}},
		{"flipped byte in the signature", flip(len(good) - 1), []error{syncproto.ErrBadSignature}},
		{"trailing bytes", append(bytes.Clone(good), 0), []error{syncproto.ErrMalformed, syncproto.ErrTooLarge}},
		{"sealed to another hub", otherHub(), []error{syncproto.ErrWrongRecipient}},
		{"unknown sender", fromStranger(), []error{hub.ErrUnknownDevice}},
		{"signed by another key", impostor(), []error{syncproto.ErrUnknownSender}},
		{"op of another device", foreignOp(), []error{syncproto.ErrMalformed}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := f.h.Ingest(f.ctx, bytes.NewReader(tc.b), "http")
			if err == nil {
				t.Fatalf("accepted: %+v", res.Receipt)
			}
			if !slices.ContainsFunc(tc.want, func(w error) bool { return errors.Is(err, w) }) {
				t.Errorf("error %v, want one of %v", err, tc.want)
			}
			if after := f.snapshot(t, true); !equalSnap(before, after) {
				t.Error("records changed")
			}
			if d := f.device(t, dev.id); d.AppliedSeq != 2 || d.Problem != "" {
				t.Errorf("device: applied %d problem %q", d.AppliedSeq, d.Problem)
			}
		})
	}
	if _, err := f.h.Device(f.ctx, stranger.id); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("the stranger became a device: %v", err)
	}
	// None of it stuck: the good bundle (same id as most of the above) applies.
	f.receipt(t, f.ingest(t, good), syncproto.ReceiptApplied, 4)
	if r := f.find(t, c2.RecordID); r.State.Status != record.StatusReceived {
		t.Errorf("good bundle after the bad ones: %s", r.State.Status)
	}
}

// 7. A device's edit that did not see the operator's is a conflict the
// operator resolves; until then the record cannot be approved.
func TestConflict(t *testing.T) {
	const hubValue, laptopValue = "Jl. Hub No. 1", "Jl. Laptop No. 2"
	tests := []struct {
		name     string
		value    string
		sawHub   bool // the device's base is the hub's edit
		conflict bool
	}{
		{"did not see the hub edit", laptopValue, false, true},
		{"saw the hub edit", laptopValue, true, false},
		{"same value as the hub", hubValue, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			dev := f.enrol(t, "Petugas")
			c := dev.create(t, record.KindEKTP, ektpFields(t, 1))
			f.ingest(t, f.seal(t, dev, c, dev.submit(c)))

			r, err := f.h.Edit(f.ctx, c.RecordID, record.Fields{"address": hubValue}, "operator")
			if err != nil {
				t.Fatal(err)
			}
			if r.State.Values()["address"] != hubValue || r.HasFlag(hub.FlagConflict) {
				t.Fatalf("after the hub edit: %q flags %v", r.State.Values()["address"], r.Flags)
			}
			base := c.HLC
			if tc.sawHub {
				// The laptop got the edit: its clock observed the hub's.
				base = r.State.Fields["address"].HLC
				dev.ms = max(dev.ms, base.WallMs())
			}
			u := dev.update(c, record.Fields{"address": tc.value}, map[string]hlc.Timestamp{"address": base})
			res := f.ingest(t, f.seal(t, dev, u))
			r = f.find(t, c.RecordID)
			if !tc.conflict {
				if r.HasFlag(hub.FlagConflict) || res.Receipt.Conflicts != 0 || len(r.State.Conflicts()) != 0 {
					t.Fatalf("flagged a conflict: %v %+v", r.Flags, r.State.Fields["address"])
				}
				return
			}
			if !r.HasFlag(hub.FlagConflict) || res.Receipt.Conflicts != 1 {
				t.Fatalf("no conflict: flags %v receipt %+v", r.Flags, res.Receipt)
			}
			if got := fieldValues(r, "address"); !slices.Equal(got, []string{hubValue, laptopValue}) {
				t.Errorf("address values %v, want both", got)
			}
			if got := f.records(t, hub.Filter{Flag: hub.FlagConflict}); len(got) != 1 || got[0].ID != c.RecordID {
				t.Errorf("conflict list: %+v", got)
			}
			if _, err := f.h.Decide(f.ctx, c.RecordID, record.StatusApproved, "", nil, "operator"); !errors.Is(err, hub.ErrNotDecidable) {
				t.Fatalf("approve in conflict: %v, want ErrNotDecidable", err)
			}

			r, err = f.h.Edit(f.ctx, c.RecordID, record.Fields{"address": "Jl. Damai No. 3"}, "operator")
			if err != nil {
				t.Fatal(err)
			}
			if r.HasFlag(hub.FlagConflict) || len(r.State.Fields["address"].Conflict) != 0 || r.State.Values()["address"] != "Jl. Damai No. 3" {
				t.Fatalf("after the resolution: flags %v field %+v", r.Flags, r.State.Fields["address"])
			}
			// Down to the laptop, the resolving edit names the field it
			// settled; the first edit, which settled nothing, does not.
			b, _, err := f.h.Changes(f.ctx, dev.id, 0)
			if err != nil || b == nil {
				t.Fatalf("changes: %v", err)
			}
			_, down, err := dev.opener(f.hubID.Public()).Open(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			var resolves []string
			for _, op := range down {
				if op.Action == syncproto.ActionUpdate {
					resolves = append(resolves, op.Meta[syncproto.MetaResolves])
				}
			}
			if !slices.Equal(resolves, []string{"", "address"}) {
				t.Errorf("the edits' resolves: %q, want the second to name address", resolves)
			}
			r, err = f.h.Decide(f.ctx, c.RecordID, record.StatusApproved, "", nil, "operator")
			if err != nil {
				t.Fatal(err)
			}
			if r.State.Status != record.StatusApproved || r.State.Decision == nil ||
				r.State.Decision.RegistrationNumber != "6411-KTP-"+t0.Format("02012006")+"-0001" {
				t.Errorf("approved: %s %+v", r.State.Status, r.State.Decision)
			}
			if _, err := f.h.Edit(f.ctx, c.RecordID, record.Fields{"address": "Jl. Lain"}, "operator"); !errors.Is(err, hub.ErrNotDecidable) {
				t.Errorf("edit after approval: %v, want ErrNotDecidable", err)
			}
		})
	}
}

// 8. Likely second registrations across laptops are flagged and judged.
func TestDuplicates(t *testing.T) {
	birth := func(name string) func(t *testing.T) (record.Kind, record.Fields) {
		return func(t *testing.T) (record.Kind, record.Fields) {
			f := fixtureFields(t, record.KindBirth)
			f["child_name"] = name
			return record.KindBirth, f
		}
	}
	ektp := func(serial int) func(t *testing.T) (record.Kind, record.Fields) {
		return func(t *testing.T) (record.Kind, record.Fields) { return record.KindEKTP, ektpFields(t, serial) }
	}
	death := func(t *testing.T) (record.Kind, record.Fields) {
		return record.KindDeath, fixtureFields(t, record.KindDeath)
	}
	tests := []struct {
		name string
		a, b func(t *testing.T) (record.Kind, record.Fields)
		dup  bool
	}{
		{"ektp same NIK", ektp(1), ektp(1), true},
		{"ektp other NIK", ektp(1), ektp(2), false},
		{"death same deceased", death, death, true},
		{"birth twins Hosea and Hana", birth("Hosea"), birth("Hana"), false},
		{"birth Hosea and HOSEA", birth("Hosea"), birth("HOSEA"), true},
		{"birth Yohanes and Yohannes", birth("Yohanes Lawing"), birth("Yohannes Lawing"), true},
	}
	for _, tc := range tests {
		judgements := []string{"none"}
		if tc.dup {
			judgements = []string{"same", "different"}
		}
		for _, judge := range judgements {
			t.Run(tc.name+"/"+judge, func(t *testing.T) {
				f := newFixture(t)
				devA, devB := f.enrol(t, "Petugas A"), f.enrol(t, "Petugas B")
				ka, fa := tc.a(t)
				kb, fb := tc.b(t)
				ca := devA.create(t, ka, fa)
				cb := devB.create(t, kb, fb)
				f.ingest(t, f.seal(t, devA, ca, devA.submit(ca)))
				res := f.ingest(t, f.seal(t, devB, cb, devB.submit(cb)))
				ra, rb := f.find(t, ca.RecordID), f.find(t, cb.RecordID)
				if !tc.dup {
					if ra.HasFlag(hub.FlagDuplicate) || rb.HasFlag(hub.FlagDuplicate) || res.Receipt.Duplicates != 0 {
						t.Fatalf("flagged as duplicates: %v %v", ra.Flags, rb.Flags)
					}
					if err := f.h.JudgeDuplicate(f.ctx, ca.RecordID, cb.RecordID, true, "op"); !errors.Is(err, hub.ErrNotFound) {
						t.Errorf("judging a non-pair: %v, want ErrNotFound", err)
					}
					return
				}
				if !ra.HasFlag(hub.FlagDuplicate) || !rb.HasFlag(hub.FlagDuplicate) || res.Receipt.Duplicates != 1 {
					t.Fatalf("not flagged: %v %v receipt %+v", ra.Flags, rb.Flags, res.Receipt)
				}
				if _, ds, _ := f.h.History(f.ctx, ca.RecordID); len(ds) != 1 || ds[0].Status != hub.DupOpen {
					t.Errorf("pairs of A: %+v", ds)
				}
				for _, id := range []string{ca.RecordID, cb.RecordID} {
					if _, err := f.h.Decide(f.ctx, id, record.StatusApproved, "", nil, "op"); !errors.Is(err, hub.ErrNotDecidable) {
						t.Errorf("approve a flagged duplicate: %v", err)
					}
				}
				// Either order of the ids finds the pair.
				if err := f.h.JudgeDuplicate(f.ctx, ca.RecordID, cb.RecordID, judge == "same", "op"); err != nil {
					t.Fatal(err)
				}
				ra, rb = f.find(t, ca.RecordID), f.find(t, cb.RecordID)
				if len(ra.Flags) != 0 || len(rb.Flags) != 0 {
					t.Errorf("flags after judging: %v %v", ra.Flags, rb.Flags)
				}
				if ra.State.Status != record.StatusReceived {
					t.Errorf("A: %s", ra.State.Status)
				}
				if judge == "same" {
					if rb.State.Status != record.StatusRejected || rb.State.Decision == nil ||
						!strings.Contains(rb.State.Decision.Reason, tracking.Code(ra.State.TrackingCode).String()) {
						t.Errorf("B: %s %+v, want rejected as a duplicate of %s", rb.State.Status, rb.State.Decision, ra.State.TrackingCode)
					}
				} else if rb.State.Status != record.StatusReceived {
					t.Errorf("B: %s", rb.State.Status)
				}
				if _, err := f.h.Decide(f.ctx, ca.RecordID, record.StatusApproved, "", nil, "op"); err != nil {
					t.Errorf("approve A after judging: %v", err)
				}
				// A later edit by the laptop does not reopen a judged pair.
				u := devB.update(cb, record.Fields{"kk_number": fb["kk_number"][:15] + "9"}, map[string]hlc.Timestamp{"kk_number": cb.HLC})
				f.ingest(t, f.seal(t, devB, u))
				if rb = f.find(t, cb.RecordID); rb.HasFlag(hub.FlagDuplicate) {
					t.Errorf("judged pair flagged again: %v", rb.Flags)
				}
			})
		}
	}
}

// A pair the hub closed by itself (the laptop edited the NIK apart) must
// open again when the NIK comes back: only an operator's judgement sticks.
// Otherwise whether two registrations of one NIK are flagged depends on
// the order their bundles arrived.
func TestDuplicateEditedApartAndBack(t *testing.T) {
	run := func(t *testing.T, split bool) (*fixture, string, string) {
		f := newFixture(t)
		devA, devB := f.enrol(t, "Petugas A"), f.enrol(t, "Petugas B")
		ca := devA.create(t, record.KindEKTP, ektpFields(t, 1))
		cb := devB.create(t, record.KindEKTP, ektpFields(t, 1))
		apart := devB.update(cb, record.Fields{"nik": ektpFields(t, 2)["nik"]}, map[string]hlc.Timestamp{"nik": cb.HLC})
		back := devB.update(cb, record.Fields{"nik": ektpFields(t, 1)["nik"]}, map[string]hlc.Timestamp{"nik": apart.HLC})
		f.ingest(t, f.seal(t, devA, ca, devA.submit(ca)))
		if split {
			f.ingest(t, f.seal(t, devB, cb))
			f.ingest(t, f.seal(t, devB, apart))
			f.ingest(t, f.seal(t, devB, back, devB.submit(cb)))
		} else {
			f.ingest(t, f.seal(t, devB, cb, apart, back, devB.submit(cb)))
		}
		return f, ca.RecordID, cb.RecordID
	}
	f, a, b := run(t, false)
	if ra, rb := f.find(t, a), f.find(t, b); !ra.HasFlag(hub.FlagDuplicate) || !rb.HasFlag(hub.FlagDuplicate) {
		t.Fatal("one bundle: same NIK not flagged")
	}
	f, a, b = run(t, true)
	ra, rb := f.find(t, a), f.find(t, b)
	if !ra.HasFlag(hub.FlagDuplicate) || !rb.HasFlag(hub.FlagDuplicate) {
		_, ds, _ := f.h.History(f.ctx, a)
		t.Errorf("three bundles: same NIK again but not flagged (A %v, B %v, pairs %+v)", ra.Flags, rb.Flags, ds)
		if _, err := f.h.Decide(f.ctx, a, record.StatusApproved, "", nil, "op"); err == nil {
			if _, err := f.h.Decide(f.ctx, b, record.StatusApproved, "", nil, "op"); err == nil {
				t.Error("both registrations of one NIK were approved")
			}
		}
	}
}

// Twins first typed with one name: once the laptop renames the second
// child, the births are no longer alike and the pair must close, as it
// would have if the hub had only ever seen the final names.
func TestDuplicateBirthRenamedApart(t *testing.T) {
	run := func(t *testing.T, split bool) hub.Record {
		f := newFixture(t)
		dev := f.enrol(t, "Petugas")
		f1, f2 := fixtureFields(t, record.KindBirth), fixtureFields(t, record.KindBirth)
		f1["child_name"], f2["child_name"] = "Hosea", "Hosea"
		c1, c2 := dev.create(t, record.KindBirth, f1), dev.create(t, record.KindBirth, f2)
		rename := dev.update(c2, record.Fields{"child_name": "Hana"}, map[string]hlc.Timestamp{"child_name": c2.HLC})
		if split {
			f.ingest(t, f.seal(t, dev, c1, c2))
			if r := f.find(t, c2.RecordID); !r.HasFlag(hub.FlagDuplicate) {
				t.Fatal("two births of Hosea on one day not flagged")
			}
			f.ingest(t, f.seal(t, dev, rename))
		} else {
			f.ingest(t, f.seal(t, dev, c1, c2, rename))
		}
		return f.find(t, c2.RecordID)
	}
	if r := run(t, false); r.HasFlag(hub.FlagDuplicate) {
		t.Fatalf("one bundle: twins Hosea and Hana flagged: %v", r.Flags)
	}
	if r := run(t, true); r.HasFlag(hub.FlagDuplicate) {
		t.Errorf("two bundles: twins Hosea and Hana still flagged after the rename: %v", r.Flags)
	}
}

// 9. Decisions: what they need, and how they travel back to the laptop.
func TestDecisions(t *testing.T) {
	f := newFixture(t)
	dev := f.enrol(t, "Petugas")
	other := f.enrol(t, "Petugas Lain")
	var ops []syncproto.Op
	mk := func(kind record.Kind, fields record.Fields, submit bool) string {
		c := dev.create(t, kind, fields)
		ops = append(ops, c)
		if submit {
			ops = append(ops, dev.submit(c))
		}
		return c.RecordID
	}
	approveKTP := mk(record.KindEKTP, ektpFields(t, 1), true)
	approveKTP2 := mk(record.KindEKTP, ektpFields(t, 2), true)
	approveDeath := mk(record.KindDeath, fixtureFields(t, record.KindDeath), true)
	reject := mk(record.KindEKTP, ektpFields(t, 3), true)
	correct := mk(record.KindEKTP, ektpFields(t, 4), true)
	draft := mk(record.KindEKTP, ektpFields(t, 5), false)
	invalidFields := ektpFields(t, 6)
	delete(invalidFields, "full_name")
	invalid := mk(record.KindEKTP, invalidFields, true)
	f.ingest(t, f.seal(t, dev, ops...))

	refusals := []struct {
		name    string
		id      string
		outcome record.Status
		reason  string
		fields  []string
		want    error
	}{
		{"reject without reason", reject, record.StatusRejected, "", nil, hub.ErrReasonRequired},
		{"correct with a blank reason", correct, record.StatusNeedsCorrection, "  ", nil, hub.ErrReasonRequired},
		{"unknown outcome", reject, record.StatusWithdrawn, "x", nil, hub.ErrNotDecidable},
		{"approve a draft", draft, record.StatusApproved, "", nil, hub.ErrNotDecidable},
		{"approve an invalid record", invalid, record.StatusApproved, "", nil, hub.ErrNotDecidable},
		{"correct an unknown field", correct, record.StatusNeedsCorrection, "fix", []string{"no_such"}, record.ErrInput},
		{"unknown record", "9d1c8f0e-0000-4000-8000-000000000000", record.StatusApproved, "", nil, hub.ErrNotFound},
	}
	before := f.snapshot(t, true)
	for _, tc := range refusals {
		if _, err := f.h.Decide(f.ctx, tc.id, tc.outcome, tc.reason, tc.fields, "op"); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if after := f.snapshot(t, true); !equalSnap(before, after) {
		t.Error("a refused decision changed records")
	}
	if c, _, _ := f.h.Changes(f.ctx, dev.id, 0); c != nil {
		t.Error("refused decisions went down to the laptop")
	}

	date := t0.Format("02012006")
	decisions := []struct {
		id      string
		outcome record.Status
		reason  string
		fields  []string
		regno   string
	}{
		{approveKTP, record.StatusApproved, "", nil, "6411-KTP-" + date + "-0001"},
		{approveDeath, record.StatusApproved, "", nil, "6411-KM-" + date + "-0001"},
		{approveKTP2, record.StatusApproved, "", nil, "6411-KTP-" + date + "-0002"},
		{reject, record.StatusRejected, "foto buram", nil, ""},
		{correct, record.StatusNeedsCorrection, "alamat salah", []string{"address", "rt"}, ""},
	}
	for _, d := range decisions {
		r, err := f.h.Decide(f.ctx, d.id, d.outcome, d.reason, d.fields, "op")
		if err != nil {
			t.Fatalf("%s: %v", d.outcome, err)
		}
		dec := r.State.Decision
		if r.State.Status != d.outcome || dec == nil || dec.Outcome != d.outcome || dec.Reason != d.reason ||
			dec.RegistrationNumber != d.regno || !slices.Equal(dec.Fields, d.fields) || dec.By != "op" {
			t.Errorf("%s: status %s decision %+v", d.outcome, r.State.Status, dec)
		}
		if _, err := f.h.Decide(f.ctx, d.id, record.StatusApproved, "", nil, "op"); !errors.Is(err, hub.ErrNotDecidable) {
			t.Errorf("decided twice: %v", err)
		}
	}
	if !regexp.MustCompile(`^\d{4}-KTP-\d{8}-\d{4}$`).MatchString(f.find(t, approveKTP).State.Decision.RegistrationNumber) {
		t.Error("registration number form")
	}

	// The decisions go down to the laptop that made the records, and only to it.
	b, hdr, err := f.h.Changes(f.ctx, dev.id, 0)
	if err != nil || b == nil {
		t.Fatalf("changes: %v %v", b, err)
	}
	o := dev.opener(f.hubID.Public())
	got, down, err := o.Open(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the laptop cannot open its changes: %v", err)
	}
	if got.Sender != syncproto.HubSender || got.SeqLast != hdr.SeqLast || len(down) != len(decisions) {
		t.Fatalf("changes: sender %s seq last %d/%d, %d ops", got.Sender, got.SeqLast, hdr.SeqLast, len(down))
	}
	for i, d := range decisions {
		op := down[i]
		if op.Action != syncproto.ActionDecide || op.RecordID != d.id || op.DeviceID != syncproto.HubSender ||
			op.Meta["outcome"] != string(d.outcome) || op.Meta["registration_number"] != d.regno || op.Meta["reason"] != d.reason {
			t.Errorf("down op %d: %s %s %v", i, op.Action, op.RecordID, op.Meta)
		}
	}
	if more, _, err := f.h.Changes(f.ctx, dev.id, hdr.SeqLast); err != nil || more != nil {
		t.Errorf("changes after the cursor: %d bytes, %v", len(more), err)
	}
	if mid, h2, err := f.h.Changes(f.ctx, dev.id, down[1].Seq); err != nil || h2.Count != uint32(len(down)-2) {
		t.Errorf("changes from the middle: %d ops, %v (%d bytes)", h2.Count, err, len(mid))
	}
	if theirs, _, err := f.h.Changes(f.ctx, other.id, 0); err != nil || theirs != nil {
		t.Errorf("another laptop got %d bytes of changes, %v", len(theirs), err)
	}
	if _, _, err := f.h.Changes(f.ctx, "no-such-device", 0); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("changes for an unknown device: %v", err)
	}
	if _, _, err := other.opener(f.hubID.Public()).Open(bytes.NewReader(b)); !errors.Is(err, syncproto.ErrWrongRecipient) {
		t.Errorf("another laptop opening the changes: %v", err)
	}
}

// 10. The same bundles in any order (with gaps, repeats) give the same
// records on two hubs.
func TestConvergence(t *testing.T) { convergence(t, false) }

// The flags (duplicate) must converge too.
func TestConvergenceFlags(t *testing.T) {
	convergence(t, true)
}

func convergence(t *testing.T, flags bool) {
	hubID := newIdentity(t)
	start := time.Now()
	for round := range 20 {
		rng := mrand.New(mrand.NewPCG(uint64(round), 0x6a656d707574))
		h1, h2 := newHubWith(t, hubID), newHubWith(t, hubID)
		devs := []*device{newDevice(t, "Petugas A"), newDevice(t, "Petugas B")}
		for _, d := range devs {
			h1.enrolDevice(t, d)
			h2.enrolDevice(t, d)
		}
		var bundles [][]byte
		for _, d := range devs {
			ops := history(t, rng, d, 8+rng.IntN(20))
			for len(ops) > 0 {
				n := min(len(ops), 1+rng.IntN(4))
				bundles = append(bundles, d.sealTo(t, hubID.Public(), ops[:n]...))
				ops = ops[n:]
			}
		}
		for _, f := range []*fixture{h1, h2} {
			order := rng.Perm(len(bundles))
			// Some bundles arrive twice (a lost receipt).
			for range rng.IntN(4) {
				order = slices.Insert(order, rng.IntN(len(order)+1), rng.IntN(len(bundles)))
			}
			for _, i := range order {
				res := f.ingest(t, bundles[i])
				if res.Receipt.Status == syncproto.ReceiptQuarantined {
					t.Fatalf("round %d: quarantined: %s", round, res.Receipt.Message)
				}
			}
			for _, d := range devs {
				if got := f.device(t, d.id); got.AppliedSeq != d.seq {
					t.Fatalf("round %d: device applied %d of %d", round, got.AppliedSeq, d.seq)
				}
			}
		}
		s1, s2 := h1.snapshot(t, flags), h2.snapshot(t, flags)
		if len(s1) == 0 {
			t.Fatalf("round %d: no records", round)
		}
		if !equalSnap(s1, s2) {
			for id, v := range s1 {
				if s2[id] != v {
					t.Errorf("round %d: record %s differs:\n hub 1: %s\n hub 2: %s", round, id, v, s2[id])
				}
			}
			t.FailNow()
		}
	}
	t.Logf("20 rounds in %v", time.Since(start).Round(time.Millisecond))
}

// history is n ops of d on its own records: creates, updates that saw the
// device's own last write, submits and withdrawals. NIKs come from a small
// pool, so records of both devices become duplicates (and stop being).
func history(t *testing.T, rng *mrand.Rand, d *device, n int) []syncproto.Op {
	type rec struct {
		c    syncproto.Op
		seen map[string]hlc.Timestamp
	}
	var recs []*rec
	var ops []syncproto.Op
	addresses := []string{"Jl. Sungai No. 1", "Jl. Hutan No. 2", "Jl. Bukit No. 3"}
	for len(ops) < n {
		if len(recs) == 0 || rng.IntN(4) == 0 {
			var fields record.Fields
			kind := record.KindEKTP
			if rng.IntN(3) == 0 {
				kind, fields = record.KindBirth, fixtureFields(t, record.KindBirth)
				fields["child_name"] = []string{"Hosea", "HOSEA", "Hana"}[rng.IntN(3)]
			} else {
				fields = ektpFields(t, 1+rng.IntN(3))
			}
			c := d.create(t, kind, fields)
			seen := map[string]hlc.Timestamp{}
			for p := range fields {
				seen[p] = c.HLC
			}
			recs = append(recs, &rec{c: c, seen: seen})
			ops = append(ops, c)
			continue
		}
		r := recs[rng.IntN(len(recs))]
		var op syncproto.Op
		switch x := rng.IntN(10); {
		case x < 6:
			set := record.Fields{}
			switch r.c.Kind {
			case record.KindEKTP:
				if rng.IntN(2) == 0 {
					set["nik"] = ektpFields(t, 1+rng.IntN(3))["nik"]
				} else {
					set["address"] = addresses[rng.IntN(len(addresses))]
				}
			case record.KindBirth:
				set["child_name"] = []string{"Hosea", "Hosea L", "Hana"}[rng.IntN(3)]
			}
			base := map[string]hlc.Timestamp{}
			for p := range set {
				base[p] = r.seen[p]
			}
			op = d.update(r.c, set, base)
			for p := range set {
				r.seen[p] = op.HLC
			}
		case x < 9:
			op = d.submit(r.c)
		default:
			op = d.withdraw(r.c, "salah input")
		}
		ops = append(ops, op)
	}
	return ops
}

// 11. A USB export file with two bundles back to back, and the return file.
func TestImportAndReturnFile(t *testing.T) {
	f := newFixture(t)
	dev := f.enrol(t, "Petugas")
	c1 := dev.create(t, record.KindEKTP, ektpFields(t, 1))
	b1 := f.seal(t, dev, c1, dev.submit(c1))
	c2 := dev.create(t, record.KindDeath, fixtureFields(t, record.KindDeath))
	b2 := f.seal(t, dev, c2, dev.submit(c2))
	file := append(bytes.Clone(b1), b2...)

	who, results, err := f.h.ImportFile(f.ctx, bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if who != dev.id || len(results) != 2 {
		t.Fatalf("import: device %s, %d results", who, len(results))
	}
	f.receipt(t, results[0], syncproto.ReceiptApplied, 2)
	f.receipt(t, results[1], syncproto.ReceiptApplied, 4)
	for _, id := range []string{c1.RecordID, c2.RecordID} {
		if r := f.find(t, id); r.State.Status != record.StatusReceived || r.Via != "file" {
			t.Errorf("%s: %s via %q", id, r.State.Status, r.Via)
		}
	}
	if _, err := f.h.Decide(f.ctx, c1.RecordID, record.StatusApproved, "", nil, "op"); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := f.h.ReturnFile(f.ctx, &out, dev.id, results); err != nil {
		t.Fatal(err)
	}
	receipts, bundle, err := syncproto.ReadReturn(&out, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(receipts) != 2 || bundle == nil {
		t.Fatalf("return file: %d receipts, bundle %v", len(receipts), bundle != nil)
	}
	for i, raw := range receipts {
		rc, err := syncproto.VerifyReceipt(raw, f.hubID.Public().Sign)
		if err != nil || rc.BundleID != results[i].Receipt.BundleID {
			t.Errorf("receipt %d: %+v %v", i, rc, err)
		}
	}
	_, down, err := dev.opener(f.hubID.Public()).Open(bytes.NewReader(bundle))
	if err != nil || len(down) != 1 || down[0].Action != syncproto.ActionDecide || down[0].RecordID != c1.RecordID {
		t.Errorf("return file bundle: %d ops, %v", len(down), err)
	}

	// The same file again is harmless.
	_, again, err := f.h.ImportFile(f.ctx, bytes.NewReader(file))
	if err != nil || len(again) != 2 || !again[0].Replayed || !again[1].Replayed {
		t.Errorf("second import: %d results, %v", len(again), err)
	}
}

func TestImportFileRefusals(t *testing.T) {
	f := newFixture(t)
	devA, devB := f.enrol(t, "A"), f.enrol(t, "B")
	ca := devA.create(t, record.KindEKTP, ektpFields(t, 1))
	a1 := f.seal(t, devA, ca)
	a2 := f.seal(t, devA, devA.submit(ca))
	cb := devB.create(t, record.KindEKTP, ektpFields(t, 2))
	b1 := f.seal(t, devB, cb)

	if _, _, err := f.h.ImportFile(f.ctx, bytes.NewReader(nil)); !errors.Is(err, syncproto.ErrTruncated) {
		t.Errorf("empty file: %v", err)
	}
	// A bundle of another laptop stops the import; the first stays in.
	who, res, err := f.h.ImportFile(f.ctx, bytes.NewReader(append(bytes.Clone(a1), b1...)))
	if err == nil || who != devA.id || len(res) != 1 {
		t.Errorf("two laptops in one file: %s %d results %v", who, len(res), err)
	}
	f.find(t, ca.RecordID)
	f.absent(t, cb.RecordID)
	// A cut second bundle: the same.
	_, res, err = f.h.ImportFile(f.ctx, bytes.NewReader(append(bytes.Clone(a1), a2[:len(a2)-5]...)))
	if !errors.Is(err, syncproto.ErrTruncated) || len(res) != 1 || !res[0].Replayed {
		t.Errorf("cut second bundle: %d results, %v", len(res), err)
	}
	if r := f.find(t, ca.RecordID); r.State.Status != record.StatusDraft {
		t.Errorf("record after a cut bundle: %s", r.State.Status)
	}
}

// Enrolment codes: one use, an expiry, and the hub's checks.
func TestEnrol(t *testing.T) {
	f := newFixture(t)
	d := newDevice(t, "Petugas")
	code, _, err := f.h.NewEnrolCode(f.ctx, "Petugas", []string{"64.11.01.2001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.h.NewEnrolCode(f.ctx, "Petugas", []string{"99.99"}); err == nil {
		t.Error("code for an unknown village")
	}
	req, _ := syncproto.NewEnrollRequest(code, d.id, "Petugas", d.epoch, d.identity, t0)
	resp, err := f.h.Enroll(f.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.DeviceID != d.id || !slices.Equal(resp.Villages, []string{"64.11.01.2001"}) || !resp.Hub.Sign.Equal(f.hubID.Public().Sign) {
		t.Errorf("response %+v", resp)
	}
	if got := f.device(t, d.id); got.Epoch != d.epoch || !got.Key.Sign.Equal(d.identity.Public().Sign) {
		t.Errorf("device %+v", got)
	}
	d2 := newDevice(t, "Petugas")
	req2, _ := syncproto.NewEnrollRequest(code, d2.id, "Petugas", d2.epoch, d2.identity, t0)
	if _, err := f.h.Enroll(f.ctx, req2); !errors.Is(err, hub.ErrCodeInvalid) {
		t.Errorf("code used twice: %v", err)
	}
	code2, _, _ := f.h.NewEnrolCode(f.ctx, "Petugas", nil)
	f.clock.Advance(hub.CodeLifetime + time.Minute)
	req3, _ := syncproto.NewEnrollRequest(code2, d2.id, "Petugas", d2.epoch, d2.identity, t0)
	if _, err := f.h.Enroll(f.ctx, req3); !errors.Is(err, hub.ErrCodeInvalid) {
		t.Errorf("expired code: %v", err)
	}
	code3, _, _ := f.h.NewEnrolCode(f.ctx, "Petugas", nil)
	req4, _ := syncproto.NewEnrollRequest(code3, d.id, "Petugas", d.epoch, d.identity, t0)
	if _, err := f.h.Enroll(f.ctx, req4); !errors.Is(err, hub.ErrDeviceExists) {
		t.Errorf("device enrolled twice: %v", err)
	}
}

// A bundle whose ops skip a seq is refused before it can be held: held, it
// would stop the bundle that fills the gap from being applied, and block
// the laptop for good.
func TestBadHeldBundleDoesNotBlock(t *testing.T) {
	f := newFixture(t)
	dev := f.enrol(t, "Petugas")
	c1 := dev.create(t, record.KindEKTP, ektpFields(t, 1))
	b1 := f.seal(t, dev, c1, dev.submit(c1))
	c2 := dev.create(t, record.KindEKTP, ektpFields(t, 2)) // seq 3
	dev.seq++                                              // seq 4 is lost
	c3 := dev.create(t, record.KindEKTP, ektpFields(t, 3)) // seq 5
	// Refused outright, before it could be held: nothing could ever apply it.
	if _, err := f.h.Ingest(f.ctx, bytes.NewReader(f.seal(t, dev, c2, c3)), "http"); !errors.Is(err, syncproto.ErrMalformed) {
		t.Fatalf("a bundle that skips a seq: %v, want ErrMalformed", err)
	}

	res, err := f.h.Ingest(f.ctx, bytes.NewReader(b1), "http")
	if err != nil {
		t.Fatalf("the bundle that fills the gap is refused because of the held one: %v", err)
	}
	f.receipt(t, res, syncproto.ReceiptApplied, 2)
	if r := f.find(t, c1.RecordID); r.State.Status != record.StatusReceived {
		t.Errorf("record 1: %s", r.State.Status)
	}
}

// The hub's clock never goes back, across a restart and a hub clock set back.
func TestHubClockSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	dev := f.enrol(t, "Petugas")
	c := dev.create(t, record.KindEKTP, ektpFields(t, 1))
	f.ingest(t, f.seal(t, dev, c, dev.submit(c)))
	f.clock.Advance(24 * time.Hour)
	r, err := f.h.Edit(f.ctx, c.RecordID, record.Fields{"occupation": "Guru"}, "op")
	if err != nil {
		t.Fatal(err)
	}
	last := r.State.Fields["occupation"].HLC

	back := &clock{t: t0.Add(-48 * time.Hour)}
	h2, err := hub.New(f.ctx, f.st, hub.Config{Identity: f.hubID, Regions: regions(t), Now: back.Now})
	if err != nil {
		t.Fatal(err)
	}
	r, err = h2.Edit(f.ctx, c.RecordID, record.Fields{"occupation": "Petani"}, "op")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.State.Fields["occupation"]; got.HLC <= last || got.Value != "Petani" || len(got.Conflict) != 0 {
		t.Errorf("edit after a restart with the clock set back: %+v (last hub stamp %s)", got, last)
	}
}

// A laptop whose clock is behind the hub's (a dead RTC battery) edits a
// field again after the operator resolved a conflict on it, before it
// hears of the resolution. Its new value must not vanish unseen.
func TestLateEditAfterResolutionFromSlowClock(t *testing.T) {
	f := newFixture(t)
	dev := f.enrol(t, "Petugas") // its clock is an hour behind the hub's
	c := dev.create(t, record.KindEKTP, ektpFields(t, 1))
	f.ingest(t, f.seal(t, dev, c, dev.submit(c)))
	if _, err := f.h.Edit(f.ctx, c.RecordID, record.Fields{"address": "Jl. Hub"}, "op"); err != nil {
		t.Fatal(err)
	}
	u1 := dev.update(c, record.Fields{"address": "Jl. Laptop 1"}, map[string]hlc.Timestamp{"address": c.HLC})
	f.ingest(t, f.seal(t, dev, u1))
	if r := f.find(t, c.RecordID); !r.HasFlag(hub.FlagConflict) {
		t.Fatal("no conflict")
	}
	if _, err := f.h.Edit(f.ctx, c.RecordID, record.Fields{"address": "Jl. Operator"}, "op"); err != nil {
		t.Fatal(err)
	}
	// The laptop has not synced down: it writes again on top of its own value.
	u2 := dev.update(c, record.Fields{"address": "Jl. Laptop 2"}, map[string]hlc.Timestamp{"address": u1.HLC})
	f.ingest(t, f.seal(t, dev, u2))
	r := f.find(t, c.RecordID)
	if got := fieldValues(r, "address"); !slices.Contains(got, "Jl. Laptop 2") {
		t.Errorf("the laptop's later value is lost without a conflict: address %v, flags %v", got, r.Flags)
	}
}
