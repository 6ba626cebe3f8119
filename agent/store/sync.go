package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/sqlitex"
	"github.com/jemputbola/jemput/syncproto"
)

const (
	metaHubURL    = "hub_url"
	metaHubKey    = "hub_key"    // the hub's public keys, text form
	metaHubCursor = "hub_cursor" // the last hub op seq applied
	metaPrevSum   = "prev_sum"   // sum of the last bundle sealed: the next one's Prev
	metaVillages  = "villages"   // village codes the hub assigned, space-separated
)

// ErrNotEnrolled: sync needs `jemput-agent enroll` first.
var ErrNotEnrolled = errors.New("this laptop is not enrolled at a hub yet: run `jemput-agent enroll --hub URL --code CODE` (the code comes from the hub administrator)")

// Hub is the hub this laptop is enrolled at.
type Hub struct {
	URL string
	Key syncproto.PublicIdentity
	// Villages the hub assigned this officer at enrolment; empty means any
	// village in the region list.
	Villages []string
}

// Enroll remembers the hub. Enrolling again (a new hub address) keeps the
// op log: the hub identifies the laptop by its device id and keys.
func (s *Store) Enroll(ctx context.Context, h Hub, officer string) error {
	key, err := h.Key.MarshalText()
	if err != nil {
		return err
	}
	return sqlitex.InTx(ctx, s.db.sql, func(tx *sql.Tx) error {
		if err := setMeta(ctx, tx, metaHubURL, h.URL); err != nil {
			return err
		}
		if err := setMeta(ctx, tx, metaVillages, strings.Join(h.Villages, " ")); err != nil {
			return err
		}
		if officer != "" {
			if err := setMeta(ctx, tx, metaOfficer, officer); err != nil {
				return err
			}
			s.officer = officer
		}
		return setMeta(ctx, tx, metaHubKey, string(key))
	})
}

func setMeta(ctx context.Context, tx *sql.Tx, key string, v any) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, v)
	if err != nil {
		return fmt.Errorf("save %s: %w", key, err)
	}
	return nil
}

func getMeta(ctx context.Context, q querier, key string, dst any) (bool, error) {
	err := q.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(dst)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	return true, nil
}

// Hub returns the hub this laptop is enrolled at, or ErrNotEnrolled.
func (s *Store) Hub(ctx context.Context) (Hub, error) {
	var h Hub
	var key string
	ok, err := getMeta(ctx, s.db.sql, metaHubKey, &key)
	if err != nil {
		return h, err
	}
	if !ok {
		return h, ErrNotEnrolled
	}
	if _, err := getMeta(ctx, s.db.sql, metaHubURL, &h.URL); err != nil {
		return h, err
	}
	var villages string
	if _, err := getMeta(ctx, s.db.sql, metaVillages, &villages); err != nil {
		return h, err
	}
	h.Villages = strings.Fields(villages)
	if err := h.Key.UnmarshalText([]byte(key)); err != nil {
		return h, fmt.Errorf("stored hub key: %w", err)
	}
	return h, nil
}

// Epoch is the store's random epoch (see Init).
func (s *Store) Epoch(ctx context.Context) (string, error) {
	var e string
	_, err := getMeta(ctx, s.db.sql, metaEpoch, &e)
	return e, err
}

// Outgoing is a sealed bundle waiting for the hub's receipt.
type Outgoing struct {
	BundleID          string
	SeqFirst, SeqLast uint64
	Sum               [32]byte
	Bytes             []byte
	CreatedAt         time.Time
}

// Outbox lists the bundles waiting for a receipt, oldest first.
func (s *Store) Outbox(ctx context.Context) ([]Outgoing, error) {
	rows, err := s.db.sql.QueryContext(ctx, "SELECT bundle_id, seq_first, seq_last, sum, bytes, created_at FROM outbox ORDER BY seq_first")
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		var o Outgoing
		var first, last, at int64
		var sum []byte
		if err := rows.Scan(&o.BundleID, &first, &last, &sum, &o.Bytes, &at); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		copy(o.Sum[:], sum)
		o.SeqFirst, o.SeqLast, o.CreatedAt = uint64(first), uint64(last), time.UnixMilli(at)
		out = append(out, o)
	}
	return out, rows.Err()
}

// SealFunc seals ops into a bundle whose Prev is prev.
type SealFunc func(ops []syncproto.Op, prev [32]byte) (Outgoing, error)

// SealPending seals the ops no bundle in the outbox holds yet (up to max
// of them) into one new outbox bundle, and returns it; ok is false when
// there is nothing new. The read and the insert are one transaction, so
// two syncs at once cannot seal the same ops twice.
func (s *Store) SealPending(ctx context.Context, max int, seal SealFunc) (Outgoing, bool, error) {
	var out Outgoing
	var made bool
	err := sqlitex.InTx(ctx, s.db.sql, func(tx *sql.Tx) error {
		var after, acked int64
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(seq_last), 0) FROM outbox").Scan(&after); err != nil {
			return err
		}
		if _, err := getMeta(ctx, tx, metaAckedSeq, &acked); err != nil {
			return err
		}
		ops, err := s.ops(ctx, tx, uint64(max64(after, acked)), max)
		if err != nil || len(ops) == 0 {
			return err
		}
		var prevB []byte
		var prev [32]byte
		if _, err := getMeta(ctx, tx, metaPrevSum, &prevB); err != nil {
			return err
		}
		copy(prev[:], prevB)
		if out, err = seal(ops, prev); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO outbox (bundle_id, seq_first, seq_last, sum, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			out.BundleID, int64(out.SeqFirst), int64(out.SeqLast), out.Sum[:], out.Bytes, s.phys().UnixMilli()); err != nil {
			return fmt.Errorf("save outgoing bundle: %w", err)
		}
		made = true
		return setMeta(ctx, tx, metaPrevSum, out.Sum[:])
	})
	return out, made, err
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// Acknowledge applies a verified receipt: the hub holds every op up to
// acked, so outbox bundles within it are dropped, and records whose submit
// the hub now holds become received. An older receipt changes nothing.
func (s *Store) Acknowledge(ctx context.Context, acked uint64, at time.Time) error {
	return sqlitex.InTx(ctx, s.db.sql, func(tx *sql.Tx) error {
		var cur, seq int64
		if _, err := getMeta(ctx, tx, metaAckedSeq, &cur); err != nil {
			return err
		}
		if _, err := getMeta(ctx, tx, metaSeq, &seq); err != nil {
			return err
		}
		if acked > uint64(seq) {
			return fmt.Errorf("the hub acknowledges change %d but this laptop wrote only %d: is this the enrolled laptop's database?", acked, seq)
		}
		if err := setMeta(ctx, tx, metaLastSync, at.UnixMilli()); err != nil {
			return err
		}
		if int64(acked) <= cur {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE seq_last <= ?", int64(acked)); err != nil {
			return fmt.Errorf("clear outbox: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE records SET status = ? WHERE status = ? AND id IN
			(SELECT record_id FROM ops WHERE action = ? AND seq > ? AND seq <= ?)`,
			record.StatusReceived, record.StatusSubmitted, syncproto.ActionSubmit, cur, int64(acked)); err != nil {
			return fmt.Errorf("mark received: %w", err)
		}
		return setMeta(ctx, tx, metaAckedSeq, int64(acked))
	})
}

// HubCursor is the seq of the last hub op applied here.
func (s *Store) HubCursor(ctx context.Context) (uint64, error) {
	var c int64
	_, err := getMeta(ctx, s.db.sql, metaHubCursor, &c)
	return uint64(c), err
}

// ApplyResult counts what ApplyHubOps did.
type ApplyResult struct {
	Decisions, Edits, Skipped int
	// Worklist counts worklist entries opened, changed or removed.
	Worklist int
}

// ApplyHubOps applies ops the hub sent (decisions, operator edits and
// conflict resolutions on this laptop's records, worklist entries) in one
// transaction and moves the cursor to cursor. Each op applies once (by op
// id). A field the officer changed after the hub's write keeps the
// officer's value: the hub sees that edit when it arrives and flags the
// conflict there. An op of an action this laptop does not know fails the
// whole batch, cursor unmoved: skipping it would lose it for good once a
// newer jemput-agent could apply it.
func (s *Store) ApplyHubOps(ctx context.Context, ops []syncproto.Op, cursor uint64) (ApplyResult, error) {
	var res ApplyResult
	err := sqlitex.InTx(ctx, s.db.sql, func(tx *sql.Tx) error {
		res = ApplyResult{}
		var last int64
		if _, err := getMeta(ctx, tx, metaHLC, &last); err != nil {
			return err
		}
		hi := hlc.Timestamp(last)
		for _, op := range ops {
			if op.DeviceID != syncproto.HubSender {
				return fmt.Errorf("op %s from %q in a hub bundle", op.OpID, op.DeviceID)
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM hub_ops WHERE op_id = ?", op.OpID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				res.Skipped++
				continue
			}
			applied, err := s.applyHubOp(ctx, tx, op)
			if err != nil {
				return err
			}
			switch {
			case !applied:
				res.Skipped++
			case op.Action == syncproto.ActionDecide:
				res.Decisions++
			case op.Action == syncproto.ActionWorklist:
				res.Worklist++
			default:
				res.Edits++
			}
			kept := op
			if op.Action == syncproto.ActionWorklist {
				// The entry holds its prefill until it is done; the log
				// keeps only that the op was applied (the laptop is not an
				// archive of the roster).
				kept.Fields = nil
			}
			body, err := json.Marshal(kept)
			if err != nil {
				return err
			}
			sealed, err := s.keys.Seal(body, aad("hub_op", op.OpID, "body"))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO hub_ops (op_id, seq, hlc, record_id, action, body) VALUES (?, ?, ?, ?, ?, ?)",
				op.OpID, int64(op.Seq), int64(op.HLC), op.RecordID, op.Action, sealed); err != nil {
				return fmt.Errorf("save hub op: %w", err)
			}
			hi = max(hi, op.HLC)
		}
		// Later local writes must sort after what the hub decided.
		if hi > hlc.Timestamp(last) {
			if err := setMeta(ctx, tx, metaHLC, int64(hi)); err != nil {
				return err
			}
			s.clock.Observe(hi)
		}
		var cur int64
		if _, err := getMeta(ctx, tx, metaHubCursor, &cur); err != nil {
			return err
		}
		return setMeta(ctx, tx, metaHubCursor, max64(cur, int64(cursor)))
	})
	return res, err
}

func (s *Store) applyHubOp(ctx context.Context, tx *sql.Tx, op syncproto.Op) (bool, error) {
	switch op.Action {
	case syncproto.ActionWorklist:
		return true, s.applyWorklist(ctx, tx, op)
	case syncproto.ActionDecide, syncproto.ActionUpdate:
	default:
		return false, fmt.Errorf("the hub sent a change this laptop does not know (%q on %s): update jemput-agent; nothing of this sync was applied",
			op.Action, op.RecordID)
	}
	r, versions, err := s.get(ctx, tx, op.RecordID)
	if errors.Is(err, ErrNotFound) {
		return false, nil // not a record of this laptop (anymore): nothing to do
	}
	if err != nil {
		return false, err
	}
	spec, err := record.SpecFor(r.Kind)
	if err != nil {
		return false, err
	}
	var decision []byte
	switch op.Action {
	case syncproto.ActionDecide:
		d := record.Decision{Outcome: record.Status(op.Meta["outcome"]), Reason: op.Meta["reason"],
			RegistrationNumber: op.Meta["registration_number"], DecidedAt: op.HLC.Time(), By: op.Meta["by"]}
		if f := op.Meta["fields"]; f != "" {
			d.Fields = splitFlags(f)
		}
		switch d.Outcome {
		case record.StatusApproved, record.StatusRejected, record.StatusNeedsCorrection:
		default:
			return false, fmt.Errorf("hub decision %q on %s is not one this laptop knows", d.Outcome, r.TrackingCode)
		}
		// The receipt may not have reached this laptop yet: a decision
		// implies the hub received the record.
		if r.Status == record.StatusSubmitted {
			r.Status = record.StatusReceived
		}
		if !record.CanTransition(r.Status, d.Outcome) {
			return false, nil
		}
		r.Status, r.Decision = d.Outcome, &d
		j, err := json.Marshal(d)
		if err != nil {
			return false, err
		}
		if decision, err = s.keys.Seal(j, aad("record", r.ID, "decision")); err != nil {
			return false, err
		}
	case syncproto.ActionUpdate:
		var changed []string
		for p, v := range op.Fields {
			if _, ok := spec.Field(p); !ok || versions[p] >= op.HLC {
				continue
			}
			versions[p] = op.HLC
			changed = append(changed, p)
			if v == "" {
				delete(r.Fields, p)
			} else {
				r.Fields[p] = v
			}
		}
		if len(changed) == 0 {
			return false, nil
		}
		if err := noteHubFix(ctx, tx, r.ID, op, changed); err != nil {
			return false, err
		}
	}
	fieldsBlob, nameBlob, err := s.sealFields(r.ID, spec, r.Fields)
	if err != nil {
		return false, err
	}
	vblob, err := s.sealVersions(r.ID, versions)
	if err != nil {
		return false, err
	}
	if decision == nil {
		if err := tx.QueryRowContext(ctx, "SELECT decision FROM records WHERE id = ?", r.ID).Scan(&decision); err != nil {
			return false, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE records SET status = ?, village_code = ?, fields = ?, name = ?, versions = ?,
		decision = ? WHERE id = ?`, r.Status, r.Fields.VillageCode(), fieldsBlob, nameBlob, vblob, decision, r.ID); err != nil {
		return false, fmt.Errorf("apply hub op to %s: %w", r.ID, err)
	}
	if r.Status == record.StatusApproved {
		return true, s.purge(ctx, tx, r.ID, r.Fields.VillageCode())
	}
	return true, s.index(ctx, tx, spec, r.ID, r.Fields)
}

// purge removes the personal data of an approved record (DESIGN: the
// laptop is not an archive): its fields, name and field versions, its NIK
// index entries, and the ops the hub has acknowledged. The status,
// tracking code, village and decision (with the registration number)
// stay, so the officer can still answer "is it done?".
func (s *Store) purge(ctx context.Context, tx *sql.Tx, id, village string) error {
	// The village is no one's personal data, and lists group by it.
	kept, err := json.Marshal(record.Fields{"village_code": village})
	if err != nil {
		return err
	}
	fieldsBlob, err := s.keys.Seal(kept, aad("record", id, "fields"))
	if err != nil {
		return err
	}
	nameBlob, err := s.keys.Seal(nil, aad("record", id, "name"))
	if err != nil {
		return err
	}
	vblob, err := s.sealVersions(id, map[string]hlc.Timestamp{})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE records SET fields = ?, name = ?, versions = ?, flags = ? WHERE id = ?",
		fieldsBlob, nameBlob, vblob, FlagPurged, id); err != nil {
		return fmt.Errorf("purge %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM nik_index WHERE record_id = ?", id); err != nil {
		return fmt.Errorf("purge %s: %w", id, err)
	}
	var acked int64
	if _, err := getMeta(ctx, tx, metaAckedSeq, &acked); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM ops WHERE record_id = ? AND seq <= ?", id, acked); err != nil {
		return fmt.Errorf("purge %s: %w", id, err)
	}
	return nil
}

// FlagPurged marks a record whose personal data left the laptop after
// approval.
const FlagPurged = "purged"
