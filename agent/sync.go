package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/syncproto"
)

// MaxOpsPerBundle bounds one outgoing bundle: a few MiB, so a bundle on a
// bad link is not one huge all-or-nothing transfer.
const MaxOpsPerBundle = 5000

// Transport is the hub as sync needs it: HTTP (hubclient.Client) here.
type Transport interface {
	Upload(ctx context.Context, bundleID string, b []byte, progress func(sent, total int64)) ([]byte, error)
	Changes(ctx context.Context, after uint64) ([]byte, error)
}

// SyncEvent is one step of a sync, for the terminal or the web page.
type SyncEvent struct {
	Phase      string // "upload", "receipt", "download"
	BundleID   string
	Sent       int64 // bytes of this bundle
	Total      int64
	Ops        int // ops in this bundle
	Bundle     int // 1-based index among Bundles
	Bundles    int
	Elapsed    time.Duration
	Receipt    *syncproto.Receipt
	Downloaded store.ApplyResult
}

// SyncReport is what a sync did.
type SyncReport struct {
	Bundles    int
	Ops        int
	Bytes      int64
	AckedSeq   uint64
	Held       int // bundles the hub holds for a gap
	Quarantine []string
	Conflicts  int
	Duplicates int
	Applied    store.ApplyResult
}

// SealPending seals every op not yet in a bundle into outbox bundles to the
// hub. Sealing first and sending second means a cut link resends the same
// bytes, which the hub recognises.
func (a *Agent) SealPending(ctx context.Context) (int, error) {
	h, err := a.store.Hub(ctx)
	if err != nil {
		return 0, err
	}
	id, err := a.store.Identity(ctx)
	if err != nil {
		return 0, err
	}
	epoch, err := a.store.Epoch(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		_, made, err := a.store.SealPending(ctx, MaxOpsPerBundle, func(ops []syncproto.Op, prev [32]byte) (store.Outgoing, error) {
			bid, err := uuid.NewV7()
			if err != nil {
				return store.Outgoing{}, err
			}
			hdr := syncproto.Header{ID: bid.String(), Sender: a.store.DeviceID(), Epoch: epoch, CreatedAt: a.store.Now(), Prev: prev}
			hdr.Cover(ops)
			var buf bytes.Buffer
			sealed, err := syncproto.Seal(&buf, hdr, ops, id, h.Key, a.rand)
			if err != nil {
				return store.Outgoing{}, fmt.Errorf("seal bundle: %w", err)
			}
			return store.Outgoing{BundleID: hdr.ID, SeqFirst: hdr.SeqFirst, SeqLast: hdr.SeqLast, Sum: sealed.Sum, Bytes: buf.Bytes()}, nil
		})
		if err != nil {
			return n, err
		}
		if !made {
			return n, nil
		}
		n++
	}
}

// Sync pushes every pending op and then pulls the hub's changes.
func (a *Agent) Sync(ctx context.Context, t Transport, progress func(SyncEvent)) (SyncReport, error) {
	var rep SyncReport
	if progress == nil {
		progress = func(SyncEvent) {}
	}
	h, err := a.store.Hub(ctx)
	if err != nil {
		return rep, err
	}
	if _, err := a.SealPending(ctx); err != nil {
		return rep, err
	}
	out, err := a.store.Outbox(ctx)
	if err != nil {
		return rep, err
	}
	for i, o := range out {
		start := time.Now()
		ev := SyncEvent{Phase: "upload", BundleID: o.BundleID, Total: int64(len(o.Bytes)), Ops: int(o.SeqLast - o.SeqFirst + 1),
			Bundle: i + 1, Bundles: len(out)}
		signed, err := t.Upload(ctx, o.BundleID, o.Bytes, func(sent, total int64) {
			ev.Sent, ev.Elapsed = sent, time.Since(start)
			progress(ev)
		})
		if err != nil {
			return rep, err
		}
		rc, err := a.acceptReceipt(ctx, signed, h.Key.Sign, o.BundleID)
		if err != nil {
			return rep, err
		}
		rep.note(rc, o)
		progress(SyncEvent{Phase: "receipt", BundleID: o.BundleID, Receipt: &rc, Bundle: i + 1, Bundles: len(out)})
	}
	// Pull until the hub has nothing more.
	for {
		cur, err := a.store.HubCursor(ctx)
		if err != nil {
			return rep, err
		}
		b, err := t.Changes(ctx, cur)
		if err != nil {
			return rep, err
		}
		if b == nil {
			break
		}
		res, last, err := a.applyDownstream(ctx, b, h.Key)
		if err != nil {
			return rep, err
		}
		rep.Applied.Decisions += res.Decisions
		rep.Applied.Edits += res.Edits
		rep.Applied.Skipped += res.Skipped
		rep.Applied.Worklist += res.Worklist
		progress(SyncEvent{Phase: "download", Downloaded: res})
		if last <= cur {
			break
		}
	}
	return rep, nil
}

func (r *SyncReport) note(rc syncproto.Receipt, o store.Outgoing) {
	r.Bundles++
	r.Ops += int(o.SeqLast - o.SeqFirst + 1)
	r.Bytes += int64(len(o.Bytes))
	r.AckedSeq = max(r.AckedSeq, rc.AckedSeq)
	r.Conflicts += rc.Conflicts
	r.Duplicates += rc.Duplicates
	switch rc.Status {
	case syncproto.ReceiptHeld:
		r.Held++
	case syncproto.ReceiptQuarantined:
		r.Quarantine = append(r.Quarantine, rc.Message)
	}
}

// ErrBadReceipt: the answer to an upload is not a receipt signed by the
// enrolled hub for that bundle; nothing is dropped from the outbox.
var ErrBadReceipt = errors.New("the hub's receipt could not be verified")

// acceptReceipt verifies a signed receipt and only then lets the store
// forget the ops it acknowledges.
func (a *Agent) acceptReceipt(ctx context.Context, signed []byte, hubKey ed25519.PublicKey, bundleID string) (syncproto.Receipt, error) {
	rc, err := syncproto.VerifyReceipt(signed, hubKey)
	if err != nil {
		return rc, fmt.Errorf("%w: %w", ErrBadReceipt, err)
	}
	if rc.DeviceID != a.store.DeviceID() || (bundleID != "" && rc.BundleID != bundleID) {
		return rc, fmt.Errorf("%w: it is for bundle %s of %s", ErrBadReceipt, rc.BundleID, rc.DeviceID)
	}
	if err := a.store.Acknowledge(ctx, rc.AckedSeq, a.store.Now()); err != nil {
		return rc, err
	}
	return rc, nil
}

// applyDownstream opens a bundle from the hub and applies its ops.
func (a *Agent) applyDownstream(ctx context.Context, b []byte, hub syncproto.PublicIdentity) (store.ApplyResult, uint64, error) {
	id, err := a.store.Identity(ctx)
	if err != nil {
		return store.ApplyResult{}, 0, err
	}
	op := syncproto.Opener{Me: id, Trust: func(h syncproto.Header) (ed25519.PublicKey, error) {
		if h.Sender != syncproto.HubSender {
			return nil, fmt.Errorf("sender %q is not the hub", h.Sender)
		}
		return hub.Sign, nil
	}}
	hdr, ops, err := op.Open(bytes.NewReader(b))
	if err != nil {
		return store.ApplyResult{}, 0, fmt.Errorf("open the hub's changes: %w", err)
	}
	res, err := a.store.ApplyHubOps(ctx, ops, hdr.SeqLast)
	return res, hdr.SeqLast, err
}

// Export writes every bundle waiting for the hub, back to back, to w: the
// file an officer carries on a USB stick. The ops stay in the outbox until
// the return file's receipts acknowledge them.
func (a *Agent) Export(ctx context.Context, w io.Writer) (bundles, ops int, err error) {
	if _, err := a.SealPending(ctx); err != nil {
		return 0, 0, err
	}
	out, err := a.store.Outbox(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, o := range out {
		if _, err := w.Write(o.Bytes); err != nil {
			return 0, 0, fmt.Errorf("write bundle: %w", err)
		}
		ops += int(o.SeqLast - o.SeqFirst + 1)
	}
	return len(out), ops, nil
}

// Import reads a return file from the hub: its receipts acknowledge what
// the hub took, its bundle carries the hub's changes. Everything is
// verified before anything is applied.
func (a *Agent) Import(ctx context.Context, r io.Reader) (SyncReport, error) {
	var rep SyncReport
	h, err := a.store.Hub(ctx)
	if err != nil {
		return rep, err
	}
	receipts, bundle, err := syncproto.ReadReturn(r, syncproto.DefaultMaxBundleBytes)
	if err != nil {
		return rep, fmt.Errorf("read return file: %w", err)
	}
	var rcs []syncproto.Receipt
	for _, s := range receipts {
		rc, err := syncproto.VerifyReceipt(s, h.Key.Sign)
		if err != nil {
			return rep, fmt.Errorf("%w: %w", ErrBadReceipt, err)
		}
		if rc.DeviceID != a.store.DeviceID() {
			return rep, fmt.Errorf("this return file is for another laptop (%s)", rc.DeviceID)
		}
		rcs = append(rcs, rc)
	}
	for _, rc := range rcs {
		if err := a.store.Acknowledge(ctx, rc.AckedSeq, a.store.Now()); err != nil {
			return rep, err
		}
		rep.note(rc, store.Outgoing{SeqFirst: rc.SeqFirst, SeqLast: rc.SeqLast})
	}
	if len(bundle) > 0 {
		res, _, err := a.applyDownstream(ctx, bundle, h.Key)
		if err != nil {
			return rep, err
		}
		rep.Applied = res
	}
	return rep, nil
}
