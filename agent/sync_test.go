package agent

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/agent/hubclient"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/httpapi"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/testnet"
	"github.com/jemputbola/jemput/internal/wilayah"
	"github.com/jemputbola/jemput/syncproto"
)

// testHub is a real hub: SQLite in a temp dir, the API on 127.0.0.1.
type testHub struct {
	hub *hub.Hub
	srv *httptest.Server
	id  syncproto.Identity
}

func newTestHub(t testing.TB) *testHub {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	id, err := syncproto.NewIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := wilayah.Load()
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(ctx, st, hub.Config{Identity: id, Regions: tree})
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(h, filepath.Join(dir, "uploads"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return &testHub{hub: h, srv: srv, id: id}
}

// enroll makes an agent and enrols it at th through url (the hub or a proxy).
func enroll(t testing.TB, th *testHub, url string) (*Agent, *synth.Gen) {
	t.Helper()
	ctx := context.Background()
	a, g := newAgent(t)
	code, _, err := th.hub.NewEnrolCode(ctx, "Yohanes Lawing", nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := a.store.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	epoch, _ := a.store.Epoch(ctx)
	req, err := syncproto.NewEnrollRequest(code, a.store.DeviceID(), "Yohanes", epoch, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hubclient.Enroll(ctx, http.DefaultClient, url, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.Enroll(ctx, store.Hub{URL: url, Key: resp.Hub, Villages: resp.Villages}, resp.Officer); err != nil {
		t.Fatal(err)
	}
	return a, g
}

func client(t testing.TB, a *Agent, url string) *hubclient.Client {
	t.Helper()
	id, err := a.store.Identity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := hubclient.New(url, a.store.DeviceID(), id)
	c.Backoff = time.Millisecond
	return c
}

// capture saves and submits n generated records.
func capture(t testing.TB, a *Agent, g *synth.Gen, n int) []*record.Record {
	t.Helper()
	ctx := context.Background()
	var out []*record.Record
	for i := 0; i < n; i++ {
		r, err := a.Capture(ctx, record.KindEKTP, g.EKTP())
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Submit(ctx, r.ID, true); err != nil {
			t.Fatalf("submit %s: %v", r.TrackingCode, err)
		}
		out = append(out, r)
	}
	return out
}

func pending(t *testing.T, a *Agent) uint64 {
	t.Helper()
	in, err := a.store.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return in.Pending()
}

func TestSyncOverHTTPAndDecisionsComeBack(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	a, g := enroll(t, th, th.srv.URL)
	rs := capture(t, a, g, 5)
	rep, err := a.Sync(ctx, client(t, a, th.srv.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ops != 10 || rep.AckedSeq != 10 || pending(t, a) != 0 {
		t.Fatalf("report %+v, pending %d: want 10 ops acknowledged", rep, pending(t, a))
	}
	got, err := a.store.Get(ctx, rs[0].ID)
	if err != nil || got.Status != record.StatusReceived {
		t.Fatalf("after receipt the laptop shows %v (%v), want received", got.Status, err)
	}
	list, err := th.hub.Records(ctx, hub.Filter{Status: record.StatusReceived})
	if err != nil || len(list) != 5 {
		t.Fatalf("hub holds %d received records (%v), want 5", len(list), err)
	}
	// The operator decides; the officer's next sync brings it back.
	if _, err := th.hub.Decide(ctx, rs[0].ID, record.StatusApproved, "", nil, "op"); err != nil {
		t.Fatal(err)
	}
	if _, err := th.hub.Decide(ctx, rs[1].ID, record.StatusNeedsCorrection, "foto buram", []string{"address"}, "op"); err != nil {
		t.Fatal(err)
	}
	if _, err := th.hub.Edit(ctx, rs[2].ID, record.Fields{"occupation": "Nelayan"}, "op"); err != nil {
		t.Fatal(err)
	}
	rep, err = a.Sync(ctx, client(t, a, th.srv.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Applied.Decisions != 2 || rep.Applied.Edits != 1 {
		t.Fatalf("applied %+v, want 2 decisions and 1 edit", rep.Applied)
	}
	approved, _ := a.store.Get(ctx, rs[0].ID)
	if approved.Status != record.StatusApproved || approved.Decision == nil || !strings.HasPrefix(approved.Decision.RegistrationNumber, "6411-KTP-") {
		t.Fatalf("approved record on the laptop: %s %+v", approved.Status, approved.Decision)
	}
	// Once approved, the laptop keeps the status, not the person.
	if len(approved.Fields) != 1 || approved.Fields.VillageCode() == "" || !slices.Contains(approved.Flags, store.FlagPurged) {
		t.Fatalf("approved record still holds personal data on the laptop: %v %v", approved.Fields, approved.Flags)
	}
	if found, _ := a.store.FindNIK(ctx, rs[0].Fields["nik"]); len(found) != 0 {
		t.Fatal("the NIK of an approved record is still findable on the laptop")
	}
	fix, _ := a.store.Get(ctx, rs[1].ID)
	if fix.Status != record.StatusNeedsCorrection || fix.Decision.Reason != "foto buram" {
		t.Fatalf("record sent back: %s %+v", fix.Status, fix.Decision)
	}
	edited, _ := a.store.Get(ctx, rs[2].ID)
	if edited.Fields["occupation"] != "Nelayan" {
		t.Fatalf("operator's fix not applied on the laptop: %q", edited.Fields["occupation"])
	}
	// The officer corrects and resubmits: it sorts after the decision.
	if _, err := a.Edit(ctx, rs[1].ID, record.Fields{"address": "Jl. Baru 1"}, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Submit(ctx, rs[1].ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sync(ctx, client(t, a, th.srv.URL), nil); err != nil {
		t.Fatal(err)
	}
	back, err := th.hub.Find(ctx, rs[1].ID)
	if err != nil || back.State.Status != record.StatusReceived || back.State.Values()["address"] != "Jl. Baru 1" {
		t.Fatalf("resubmitted record at the hub: %+v %v", back.State, err)
	}
	// A sync with nothing to do is harmless.
	rep, err = a.Sync(ctx, client(t, a, th.srv.URL), nil)
	if err != nil || rep.Bundles != 0 || rep.Applied.Decisions != 0 {
		t.Fatalf("idle sync: %+v %v", rep, err)
	}
}

// A link that drops in the middle of every request for a while: the
// upload resumes at the hub's offset, and every record arrives once.
func TestSyncResumesOverACuttingLink(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	proxy, err := testnet.New(strings.TrimPrefix(th.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	a, g := enroll(t, th, proxy.URL())
	capture(t, a, g, 300)
	c := client(t, a, proxy.URL())
	c.ChunkSize = 8 << 10
	c.Retries = 50
	// Each of the next 12 connections dies 3 KiB into its request.
	proxy.CutEvery(3<<10, 12)
	var events []SyncEvent
	rep, err := a.Sync(ctx, c, func(ev SyncEvent) { events = append(events, ev) })
	if err != nil {
		t.Fatalf("sync over a cutting link: %v (cuts %d)", err, proxy.Cuts())
	}
	if proxy.Cuts() == 0 {
		t.Fatal("the proxy cut nothing: the test proves nothing")
	}
	if rep.AckedSeq != 600 || pending(t, a) != 0 {
		t.Fatalf("acked %d, pending %d after %d cuts; want all 600 ops acknowledged", rep.AckedSeq, pending(t, a), proxy.Cuts())
	}
	list, _ := th.hub.Records(ctx, hub.Filter{})
	if len(list) != 300 {
		t.Fatalf("hub holds %d records, want exactly 300", len(list))
	}
	var sawProgress bool
	for _, ev := range events {
		if ev.Phase == "upload" && ev.Sent > 0 && ev.Sent < ev.Total {
			sawProgress = true
		}
	}
	if !sawProgress {
		t.Error("no partial progress reported during the upload")
	}
}

// The receipt may be lost after the hub applied the bundle: the next sync
// sends the same bytes and gets the same receipt; nothing is applied twice.
func TestLostReceiptIsAnsweredAgain(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	a, g := enroll(t, th, th.srv.URL)
	capture(t, a, g, 3)
	if _, err := a.SealPending(ctx); err != nil {
		t.Fatal(err)
	}
	out, _ := a.store.Outbox(ctx)
	if len(out) != 1 {
		t.Fatalf("outbox %d bundles, want 1", len(out))
	}
	// Deliver it behind the agent's back, as if the receipt never came.
	first, err := th.hub.Ingest(ctx, bytes.NewReader(out[0].Bytes), "http")
	if err != nil {
		t.Fatal(err)
	}
	if pending(t, a) != 6 {
		t.Fatal("ops dropped without a receipt")
	}
	rep, err := a.Sync(ctx, client(t, a, th.srv.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.AckedSeq != first.Receipt.AckedSeq || pending(t, a) != 0 {
		t.Fatalf("resend: acked %d pending %d", rep.AckedSeq, pending(t, a))
	}
	list, _ := th.hub.Records(ctx, hub.Filter{})
	if len(list) != 3 {
		t.Fatalf("hub holds %d records, want 3", len(list))
	}
}

// A receipt that does not verify (a forged hub, a tampered answer) leaves
// every op in the outbox.
func TestForgedReceiptKeepsOps(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	a, g := enroll(t, th, th.srv.URL)
	capture(t, a, g, 2)
	if _, err := a.SealPending(ctx); err != nil {
		t.Fatal(err)
	}
	out, _ := a.store.Outbox(ctx)
	res, err := th.hub.Ingest(ctx, bytes.NewReader(out[0].Bytes), "http")
	if err != nil {
		t.Fatal(err)
	}
	forger, _ := syncproto.NewIdentity(rand.Reader)
	forged, err := syncproto.SignReceipt(res.Receipt, forger)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(res.Signed, []byte(`"acked_seq":4`), []byte(`"acked_seq":3`), 1)
	h, _ := a.store.Hub(ctx)
	for name, b := range map[string][]byte{"forged": forged, "tampered": tampered, "garbage": []byte("{}")} {
		if _, err := a.acceptReceipt(ctx, b, h.Key.Sign, out[0].BundleID); !errors.Is(err, ErrBadReceipt) {
			t.Errorf("%s receipt: err %v, want ErrBadReceipt", name, err)
		}
		if pending(t, a) != 4 {
			t.Fatalf("%s receipt dropped ops", name)
		}
	}
}

// Sneakernet: export to a file, the hub imports it and writes a return
// file, the laptop imports that.
func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	a, g := enroll(t, th, th.srv.URL)
	rs := capture(t, a, g, 4)
	var file bytes.Buffer
	bundles, ops, err := a.Export(ctx, &file)
	if err != nil || bundles != 1 || ops != 8 {
		t.Fatalf("export: %d bundles %d ops %v", bundles, ops, err)
	}
	// More records after the export: they go in a second bundle.
	capture(t, a, g, 1)
	var file2 bytes.Buffer
	if bundles, _, err := a.Export(ctx, &file2); err != nil || bundles != 2 {
		t.Fatalf("second export: %d bundles, %v; want the first again plus a new one", bundles, err)
	}
	if pending(t, a) != 10 {
		t.Fatal("export dropped ops before any receipt")
	}
	dev, results, err := th.hub.ImportFile(ctx, bytes.NewReader(file2.Bytes()))
	if err != nil || len(results) != 2 || dev != a.store.DeviceID() {
		t.Fatalf("hub import: %s %d %v", dev, len(results), err)
	}
	if _, err := th.hub.Decide(ctx, rs[0].ID, record.StatusApproved, "", nil, "op"); err != nil {
		t.Fatal(err)
	}
	var ret bytes.Buffer
	if err := th.hub.ReturnFile(ctx, &ret, dev, results); err != nil {
		t.Fatal(err)
	}
	// A damaged return file changes nothing.
	bad := append([]byte(nil), ret.Bytes()...)
	bad[len(bad)/2] ^= 1
	if _, err := a.Import(ctx, bytes.NewReader(bad)); err == nil {
		t.Fatal("a damaged return file was accepted")
	}
	if pending(t, a) != 10 {
		t.Fatal("a damaged return file dropped ops")
	}
	rep, err := a.Import(ctx, bytes.NewReader(ret.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if pending(t, a) != 0 || rep.Applied.Decisions != 1 {
		t.Fatalf("after import: pending %d, %+v", pending(t, a), rep.Applied)
	}
	got, _ := a.store.Get(ctx, rs[0].ID)
	if got.Status != record.StatusApproved {
		t.Fatalf("decision not applied: %s", got.Status)
	}
	// Importing the same return file again is harmless.
	if _, err := a.Import(ctx, bytes.NewReader(ret.Bytes())); err != nil {
		t.Fatal(err)
	}
}

func TestRevokedDeviceIsRefusedAndKeepsItsRecords(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	a, g := enroll(t, th, th.srv.URL)
	capture(t, a, g, 1)
	if _, err := a.Sync(ctx, client(t, a, th.srv.URL), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := th.hub.Revoke(ctx, a.store.DeviceID()); err != nil {
		t.Fatal(err)
	}
	capture(t, a, g, 1)
	_, err := a.Sync(ctx, client(t, a, th.srv.URL), nil)
	if !errors.Is(err, hubclient.ErrRevoked) {
		t.Fatalf("sync of a revoked laptop: %v, want ErrRevoked", err)
	}
	if pending(t, a) != 2 {
		t.Fatalf("revoked laptop lost its pending ops: %d", pending(t, a))
	}
	// The same ops carried on USB are quarantined, not applied.
	var file bytes.Buffer
	if _, _, err := a.Export(ctx, &file); err != nil {
		t.Fatal(err)
	}
	_, results, err := th.hub.ImportFile(ctx, &file)
	if err != nil || len(results) != 1 || results[0].Receipt.Status != syncproto.ReceiptQuarantined {
		t.Fatalf("import from a revoked laptop: %+v %v", results, err)
	}
	list, _ := th.hub.Records(ctx, hub.Filter{})
	if len(list) != 1 {
		t.Fatalf("hub holds %d records, want only the one before revocation", len(list))
	}
}

func TestUnknownDeviceIsRefused(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	a, _ := newAgent(t)
	id, _ := a.store.Identity(ctx)
	c := hubclient.New(th.srv.URL, a.store.DeviceID(), id)
	_, err := c.Changes(ctx, 0)
	var ae *hubclient.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || ae.Code != "unknown_device" {
		t.Fatalf("unknown device: %v, want 401 unknown_device", err)
	}
	// An enrolled device id with another key: bad signature.
	b, _ := enroll(t, th, th.srv.URL)
	c.DeviceID = b.store.DeviceID()
	_, err = c.Changes(ctx, 0)
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || ae.Code != "bad_signature" {
		t.Fatalf("wrong key: %v, want 401 bad_signature", err)
	}
	// A clock a month off is refused with a plain reason.
	bc := client(t, b, th.srv.URL)
	bc.Now = func() time.Time { return time.Now().Add(-30 * 24 * time.Hour) }
	_, err = bc.Changes(ctx, 0)
	if !errors.As(err, &ae) || ae.Code != "clock_skew" || !strings.Contains(ae.Msg, "clock") {
		t.Fatalf("skewed clock: %v", err)
	}
}

func TestEnrolmentCodeIsOneTime(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	code, _, err := th.hub.NewEnrolCode(ctx, "A", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		a, _ := newAgent(t)
		id, _ := a.store.Identity(ctx)
		epoch, _ := a.store.Epoch(ctx)
		req, _ := syncproto.NewEnrollRequest(code, a.store.DeviceID(), "A", epoch, id, time.Now())
		_, err := hubclient.Enroll(ctx, http.DefaultClient, th.srv.URL, req)
		if (err == nil) != want {
			t.Fatalf("enrolment %d with the same code: err %v", i+1, err)
		}
	}
}

// A later bundle arrives first (it went on a USB stick that was faster):
// the hub holds it; once the earlier one arrives both apply, and the
// laptop's next sync is acknowledged in full, held bundle included.
func TestHeldBundleIsAcknowledgedOnceTheGapFills(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	a, g := enroll(t, th, th.srv.URL)
	capture(t, a, g, 2)
	if _, err := a.SealPending(ctx); err != nil {
		t.Fatal(err)
	}
	capture(t, a, g, 2)
	if _, err := a.SealPending(ctx); err != nil {
		t.Fatal(err)
	}
	out, _ := a.store.Outbox(ctx)
	if len(out) != 2 {
		t.Fatalf("outbox %d, want 2 bundles", len(out))
	}
	held, err := th.hub.Ingest(ctx, bytes.NewReader(out[1].Bytes), "file")
	if err != nil || held.Receipt.Status != syncproto.ReceiptHeld || held.Receipt.AckedSeq != 0 {
		t.Fatalf("later bundle first: %+v %v; want held, nothing acknowledged", held.Receipt, err)
	}
	if list, _ := th.hub.Records(ctx, hub.Filter{}); len(list) != 0 {
		t.Fatalf("%d records applied past a gap", len(list))
	}
	rep, err := a.Sync(ctx, client(t, a, th.srv.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.AckedSeq != 8 || pending(t, a) != 0 {
		t.Fatalf("after the gap filled: acked %d pending %d, want 8 and 0", rep.AckedSeq, pending(t, a))
	}
	if out, _ := a.store.Outbox(ctx); len(out) != 0 {
		t.Fatalf("outbox still holds %d bundles", len(out))
	}
	if list, _ := th.hub.Records(ctx, hub.Filter{}); len(list) != 4 {
		t.Fatalf("hub holds %d records, want 4", len(list))
	}
}
