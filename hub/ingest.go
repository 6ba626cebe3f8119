package hub

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/syncproto"
)

// MaxBundle bounds a bundle the hub accepts, in bytes.
const MaxBundle = 64 << 20

// Result is what ingesting one bundle did.
type Result struct {
	Receipt  syncproto.Receipt
	Signed   []byte // the receipt signed by the hub, as sent to the device
	Replayed bool   // the bundle had been received before: same receipt
}

// Ingest reads one bundle, verifies it and applies its ops. via names the
// transport ("http", "file") for the record's history.
//
// Nothing is applied unless the whole bundle verifies. A bundle received
// before returns its first receipt unchanged, so a device that lost the
// receipt (a cut link) can simply send again. A bundle after a gap is held
// until the gap fills; one from a revoked device, with a new epoch or with
// sequence numbers reused for other ops is quarantined, never applied.
func (h *Hub) Ingest(ctx context.Context, r io.Reader, via string) (Result, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxBundle+1))
	if err != nil {
		return Result{}, fmt.Errorf("read bundle: %w", err)
	}
	if len(raw) > MaxBundle {
		return Result{}, fmt.Errorf("bundle over %d MiB: %w", MaxBundle>>20, syncproto.ErrTooLarge)
	}
	hdr, err := syncproto.PeekHeader(bytes.NewReader(raw))
	if err != nil {
		return Result{}, fmt.Errorf("read bundle header: %w", err)
	}
	sum := sha256.Sum256(raw)

	var dev Device
	var prior Bundle
	err = h.store.View(ctx, func(tx Tx) error {
		var err error
		if dev, err = tx.Device(hdr.Sender); err != nil {
			return err
		}
		prior, err = tx.Bundle(hdr.ID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return Result{}, fmt.Errorf("bundle %s from %q: %w", hdr.ID, hdr.Sender, ErrUnknownDevice)
	}
	if err != nil {
		return Result{}, err
	}
	if prior.ID != "" {
		return h.replayed(ctx, prior, sum)
	}
	opener := h.opener(dev)
	hdr, ops, err := opener.Open(bytes.NewReader(raw))
	if err != nil {
		return Result{}, fmt.Errorf("open bundle from %s: %w", dev.ID, err)
	}
	if err := contiguous(hdr, ops); err != nil {
		return Result{}, fmt.Errorf("bundle %s: %w", hdr.ID, err)
	}

	var res Result
	err = h.store.Update(ctx, func(tx Tx) error {
		// Again inside the transaction: another request may have taken it.
		if b, err := tx.Bundle(hdr.ID); err == nil {
			if b.Sum != sum {
				return fmt.Errorf("bundle %s was received before with other content: %w", b.ID, syncproto.ErrReplay)
			}
			rc, err := syncproto.VerifyReceipt(b.Receipt, h.id.Public().Sign)
			res = Result{Receipt: rc, Signed: b.Receipt, Replayed: true}
			return err
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		dev, err := tx.Device(hdr.Sender)
		if err != nil {
			return err
		}
		b := Bundle{ID: hdr.ID, DeviceID: dev.ID, Sum: sum, Prev: hdr.Prev, SeqFirst: hdr.SeqFirst, SeqLast: hdr.SeqLast,
			ReceivedAt: h.now().UTC()}
		rc := syncproto.Receipt{BundleID: hdr.ID, DeviceID: dev.ID, Sum: hex.EncodeToString(sum[:]),
			SeqFirst: hdr.SeqFirst, SeqLast: hdr.SeqLast}
		if why := h.quarantineReason(tx, dev, hdr, ops); why != "" {
			b.Status, b.Message, b.Raw = syncproto.ReceiptQuarantined, why, raw
			if !dev.Revoked() && dev.Problem == "" {
				dev.Problem = why
			}
			h.log.Warn("bundle quarantined", "bundle", hdr.ID, "device", dev.ID, "reason", why)
		} else if hdr.Count > 0 && hdr.SeqFirst > dev.AppliedSeq+1 {
			b.Status, b.Raw = syncproto.ReceiptHeld, raw
			b.Message = fmt.Sprintf("waiting for earlier changes (%d to %d) from this laptop", dev.AppliedSeq+1, hdr.SeqFirst-1)
		} else {
			b.Status = syncproto.ReceiptApplied
			st, err := h.apply(tx, &dev, ops, via)
			if err != nil {
				return err
			}
			rc.Applied, rc.Conflicts, rc.Duplicates = st.applied, st.conflicts, st.duplicates
			// This bundle may fill the gap before bundles held earlier.
			if err := tx.PutBundle(b); err != nil {
				return err
			}
			if err := h.releaseHeld(tx, &dev, via, &rc); err != nil {
				return err
			}
		}
		dev.LastSync = h.now().UTC()
		if err := tx.PutDevice(dev); err != nil {
			return err
		}
		rc.Status, rc.Message, rc.AckedSeq, rc.ReceivedAt = b.Status, b.Message, dev.AppliedSeq, b.ReceivedAt
		signed, err := syncproto.SignReceipt(rc, h.id)
		if err != nil {
			return err
		}
		b.Receipt = signed
		if err := tx.PutBundle(b); err != nil {
			return err
		}
		res = Result{Receipt: rc, Signed: signed}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("ingest bundle %s from %s: %w", hdr.ID, hdr.Sender, err)
	}
	if !res.Replayed {
		h.log.Info("bundle ingested", "bundle", hdr.ID, "device", hdr.Sender, "via", via, "status", res.Receipt.Status,
			"ops", len(ops), "acked_seq", res.Receipt.AckedSeq, "conflicts", res.Receipt.Conflicts, "duplicates", res.Receipt.Duplicates)
	}
	return res, nil
}

// contiguous checks that a device's bundle holds its own ops only, one per
// seq from SeqFirst to SeqLast: a bundle that skips a number could never
// be applied (and, held, would block every later one).
func contiguous(hdr syncproto.Header, ops []syncproto.Op) error {
	if len(ops) == 0 {
		return nil
	}
	if uint64(len(ops)) != hdr.SeqLast-hdr.SeqFirst+1 {
		return fmt.Errorf("%d ops for seqs %d to %d: %w", len(ops), hdr.SeqFirst, hdr.SeqLast, syncproto.ErrMalformed)
	}
	seen := make(map[uint64]bool, len(ops))
	for _, op := range ops {
		if op.DeviceID != hdr.Sender {
			return fmt.Errorf("an op of %q in a bundle of %q: %w", op.DeviceID, hdr.Sender, syncproto.ErrMalformed)
		}
		if seen[op.Seq] {
			return fmt.Errorf("seq %d twice: %w", op.Seq, syncproto.ErrMalformed)
		}
		seen[op.Seq] = true
	}
	return nil
}

// opener opens bundles sealed to the hub by dev, trusting dev's key only.
func (h *Hub) opener(dev Device) syncproto.Opener {
	return syncproto.Opener{Me: h.id, Trust: func(syncproto.Header) (ed25519.PublicKey, error) { return dev.Key.Sign, nil },
		Limits: syncproto.Limits{MaxBundleBytes: MaxBundle}}
}

// replayed answers a bundle received before with its receipt, or an
// error if the id now comes with other bytes. The receipt is the first
// one unless the bundle's fate changed since (a held bundle applied once
// its gap filled): then it is brought up to date and signed again, so the
// laptop learns its ops are safe instead of resending them forever.
func (h *Hub) replayed(ctx context.Context, b Bundle, sum [32]byte) (Result, error) {
	if b.Sum != sum {
		return Result{}, fmt.Errorf("bundle %s was received before with other content: %w", b.ID, syncproto.ErrReplay)
	}
	rc, err := syncproto.VerifyReceipt(b.Receipt, h.id.Public().Sign)
	if err != nil {
		return Result{}, fmt.Errorf("stored receipt of bundle %s: %w", b.ID, err)
	}
	dev, err := h.Device(ctx, b.DeviceID)
	if err != nil {
		return Result{}, err
	}
	if rc.Status == b.Status && rc.AckedSeq >= dev.AppliedSeq {
		return Result{Receipt: rc, Signed: b.Receipt, Replayed: true}, nil
	}
	rc.Status, rc.Message, rc.AckedSeq = b.Status, b.Message, dev.AppliedSeq
	signed, err := syncproto.SignReceipt(rc, h.id)
	if err != nil {
		return Result{}, err
	}
	b.Receipt = signed
	if err := h.store.Update(ctx, func(tx Tx) error { return tx.PutBundle(b) }); err != nil {
		return Result{}, err
	}
	return Result{Receipt: rc, Signed: signed, Replayed: true}, nil
}

// quarantineReason says why a bundle must not be applied, or "".
func (h *Hub) quarantineReason(tx Tx, dev Device, hdr syncproto.Header, ops []syncproto.Op) string {
	if dev.Revoked() && (hdr.Count > 0 && hdr.SeqLast > dev.CutoffSeq) {
		return fmt.Sprintf("the laptop was revoked on %s; changes after that are kept for an administrator, not applied",
			dev.RevokedAt.Format("2006-01-02 15:04"))
	}
	if dev.Problem != "" {
		return "this laptop's earlier bundles broke its sequence (" + dev.Problem + "); an administrator must look first"
	}
	if hdr.Epoch != dev.Epoch {
		return "the laptop's database is not the one enrolled (its epoch changed): restored from a backup or copied from another laptop?"
	}
	// Sequence numbers already applied must carry the same ops: a laptop
	// restored from an old backup writes new ops under old numbers.
	for _, op := range ops {
		if op.Seq > dev.AppliedSeq {
			continue
		}
		have, err := tx.OpAt(dev.ID, op.Seq)
		if err != nil || have.OpID != op.OpID {
			return fmt.Sprintf("change number %d was already received with other content: the laptop was probably restored from an old backup", op.Seq)
		}
	}
	if hdr.Count > 0 && hdr.SeqFirst > 1 {
		prev, err := tx.BundleEnding(dev.ID, hdr.SeqFirst-1)
		if err == nil && prev.Sum != hdr.Prev {
			return "the bundle does not follow the laptop's previous bundle: restored from a backup or copied?"
		}
	}
	return ""
}

type applyStats struct{ applied, conflicts, duplicates int }

// apply stores a device's ops in seq order from AppliedSeq+1 and refolds
// every record they touch. ops at or below AppliedSeq (sent twice) are
// skipped.
func (h *Hub) apply(tx Tx, dev *Device, ops []syncproto.Op, via string) (applyStats, error) {
	var st applyStats
	slices.SortFunc(ops, func(a, b syncproto.Op) int { return cmp.Compare(a.Seq, b.Seq) })
	touched := map[string]bool{}
	var order []string
	for _, op := range ops {
		if op.Seq <= dev.AppliedSeq {
			continue
		}
		if op.Seq != dev.AppliedSeq+1 {
			return st, fmt.Errorf("op seq %d after %d: %w", op.Seq, dev.AppliedSeq, syncproto.ErrMalformed)
		}
		if _, err := tx.PutOp(op, ""); err != nil {
			return st, err
		}
		dev.AppliedSeq = op.Seq
		st.applied++
		if !touched[op.RecordID] {
			touched[op.RecordID] = true
			order = append(order, op.RecordID)
		}
	}
	for _, id := range order {
		r, err := h.refold(tx, id, via)
		if err != nil {
			return st, err
		}
		if r.HasFlag(FlagConflict) {
			st.conflicts++
		}
		if r.HasFlag(FlagDuplicate) {
			st.duplicates++
		}
	}
	return st, nil
}

// releaseHeld applies held bundles that now follow on.
func (h *Hub) releaseHeld(tx Tx, dev *Device, via string, rc *syncproto.Receipt) error {
	for {
		held, err := tx.HeldBundles(dev.ID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(held, func(b Bundle) bool { return b.SeqFirst <= dev.AppliedSeq+1 })
		if i < 0 {
			return nil
		}
		b := held[i]
		opener := h.opener(*dev)
		hdr, ops, err := opener.Open(bytes.NewReader(b.Raw))
		if err == nil {
			if why := h.quarantineReason(tx, *dev, hdr, ops); why != "" {
				err = errors.New(why)
			}
		}
		if err != nil {
			b.Status, b.Message = syncproto.ReceiptQuarantined, "held bundle no longer fits: "+err.Error()
			if err := tx.PutBundle(b); err != nil {
				return err
			}
			continue
		}
		st, err := h.apply(tx, dev, ops, via)
		if err != nil {
			return err
		}
		rc.Applied += st.applied
		rc.Conflicts += st.conflicts
		rc.Duplicates += st.duplicates
		b.Status, b.Message, b.Raw = syncproto.ReceiptApplied, "applied once the gap before it filled", nil
		if err := tx.PutBundle(b); err != nil {
			return err
		}
	}
}

// refold recomputes record id from all its ops, and its flags.
func (h *Hub) refold(tx Tx, id, via string) (Record, error) {
	ops, err := tx.RecordOps(id)
	if err != nil {
		return Record{}, err
	}
	st := merge.Fold(ops)
	r := Record{State: st, Via: via}
	spec, err := record.SpecFor(st.Kind)
	if err != nil {
		return Record{}, fmt.Errorf("record %s: %w", id, err)
	}
	values := st.Values()
	r.Name = spec.Name(values)
	if st.Status != record.StatusWithdrawn {
		r.DuplicateKey = merge.DuplicateKey(st.Kind, values)
	}
	if len(st.Conflicts()) > 0 {
		r.Flags = append(r.Flags, FlagConflict)
	}
	if len(st.Refused) > 0 {
		r.Flags = append(r.Flags, FlagRefused)
	}
	open, err := h.findDuplicates(tx, r)
	if err != nil {
		return Record{}, err
	}
	if open {
		r.Flags = append(r.Flags, FlagDuplicate)
	}
	return r, tx.PutRecord(r)
}

// findDuplicates pairs r with records of the same duplicate key and
// reports whether r has a pair still open. A pair an operator judged keeps
// its judgement; a pair found automatically follows the records: it goes
// stale when an edit sets them apart and opens again if one brings them
// back together, so the flags depend only on the records, never on the
// order bundles arrived in.
func (h *Hub) findDuplicates(tx Tx, r Record) (bool, error) {
	id := r.State.ID
	known, err := tx.Duplicates(id)
	if err != nil {
		return false, err
	}
	open := false
	seen := map[string]bool{}
	for _, d := range known {
		other := d.A
		if other == id {
			other = d.B
		}
		seen[other] = true
		if d.Status != DupOpen && d.Status != DupStale {
			continue // an operator's judgement
		}
		o, err := tx.Record(other)
		if err != nil {
			return false, err
		}
		alike := r.DuplicateKey != "" && o.DuplicateKey == r.DuplicateKey &&
			merge.LikelyDuplicate(r.State.Kind, r.State.Values(), o.State.Values())
		want := DupStale
		if alike {
			want, open = DupOpen, true
		}
		if d.Status != want {
			d.Status, d.Key = want, r.DuplicateKey
			if err := tx.PutDuplicate(d); err != nil {
				return false, err
			}
			if err := h.reflag(tx, other); err != nil {
				return false, err
			}
		}
	}
	if r.DuplicateKey == "" {
		return open, nil
	}
	ids, err := tx.RecordsByDuplicateKey(r.DuplicateKey)
	if err != nil {
		return false, err
	}
	for _, other := range ids {
		if other == id || seen[other] {
			continue
		}
		o, err := tx.Record(other)
		if err != nil {
			return false, err
		}
		if !merge.LikelyDuplicate(r.State.Kind, r.State.Values(), o.State.Values()) {
			continue
		}
		a, b := min(id, other), max(id, other)
		if err := tx.PutDuplicate(Duplicate{A: a, B: b, Key: r.DuplicateKey, Status: DupOpen}); err != nil {
			return false, err
		}
		if !o.HasFlag(FlagDuplicate) {
			o.Flags = append(o.Flags, FlagDuplicate)
			if err := tx.PutRecord(o); err != nil {
				return false, err
			}
		}
		open = true
	}
	return open, nil
}

// reflag recomputes the duplicate flag of record id from its pairs.
func (h *Hub) reflag(tx Tx, id string) error {
	r, err := tx.Record(id)
	if err != nil {
		return err
	}
	ds, err := tx.Duplicates(id)
	if err != nil {
		return err
	}
	open := slices.ContainsFunc(ds, func(d Duplicate) bool { return d.Status == DupOpen })
	r.Flags = slices.DeleteFunc(r.Flags, func(f string) bool { return f == FlagDuplicate })
	if open {
		r.Flags = append(r.Flags, FlagDuplicate)
	}
	return tx.PutRecord(r)
}
