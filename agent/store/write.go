package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/sqlitex"
	"github.com/jemputbola/jemput/syncproto"
)

// opBody is the sealed part of an op row.
type opBody struct {
	Fields record.Fields            `json:"fields,omitempty"`
	Base   map[string]hlc.Timestamp `json:"base,omitempty"`
	Meta   map[string]string        `json:"meta,omitempty"`
}

// Create saves a new record and its create op. r.ID, Kind, TrackingCode,
// Status and Fields must be set; the op and the record's timestamps are
// stamped here, inside the transaction.
func (s *Store) Create(ctx context.Context, r *record.Record, meta map[string]string) (syncproto.Op, error) {
	ops, err := s.CreateBatch(ctx, []*record.Record{r}, []map[string]string{meta})
	if err != nil {
		return syncproto.Op{}, err
	}
	return ops[0], nil
}

// CreateBatch saves several new records in one transaction: all or none,
// one fsync. For bulk loads (imports, benchmark fixtures); the officer's
// capture path saves and acknowledges one record at a time. meta may be nil
// or hold one entry per record.
func (s *Store) CreateBatch(ctx context.Context, rs []*record.Record, meta []map[string]string) ([]syncproto.Op, error) {
	ops := make([]syncproto.Op, 0, len(rs))
	err := sqlitex.InTx(ctx, s.db.sql, func(tx *sql.Tx) error {
		ops = ops[:0]
		for i, r := range rs {
			var m map[string]string
			if i < len(meta) {
				m = meta[i]
			}
			op, err := s.create(ctx, tx, r, m)
			if err != nil {
				return err
			}
			ops = append(ops, op)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ops, nil
}

func (s *Store) create(ctx context.Context, tx *sql.Tx, r *record.Record, meta map[string]string) (syncproto.Op, error) {
	spec, err := record.SpecFor(r.Kind)
	if err != nil {
		return syncproto.Op{}, err
	}
	seq, ts, err := s.next(ctx, tx)
	if err != nil {
		return syncproto.Op{}, err
	}
	// The HLC stamp is never behind the wall clock nor any earlier save, so
	// a laptop clock that jumped back does not date a record before ones
	// already taken (and validation, which judges "late" and "future" by
	// the capture date, sees the best date this laptop knows).
	now := ts.Time()
	r.DeviceID, r.Officer = s.deviceID, s.officer
	r.CreatedAt, r.UpdatedAt = now, now
	versions := map[string]hlc.Timestamp{}
	for p := range r.Fields {
		versions[p] = ts
	}
	fieldsBlob, nameBlob, err := s.sealFields(r.ID, spec, r.Fields)
	if err != nil {
		return syncproto.Op{}, err
	}
	vblob, err := s.sealVersions(r.ID, versions)
	if err != nil {
		return syncproto.Op{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO records
		(id, kind, status, tracking_code, village_code, fields, name, versions, officer, device_id, created_at, updated_at, hlc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Kind, r.Status, r.TrackingCode, r.Fields.VillageCode(), fieldsBlob, nameBlob, vblob,
		s.officer, s.deviceID, now.UnixMilli(), now.UnixMilli(), int64(ts)); err != nil {
		if strings.Contains(err.Error(), "records.tracking_code") {
			return syncproto.Op{}, fmt.Errorf("save record %s: %w", r.ID, ErrTrackingCodeTaken)
		}
		if strings.Contains(err.Error(), "records.id") {
			return syncproto.Op{}, fmt.Errorf("save record %s: %w", r.ID, ErrExists)
		}
		return syncproto.Op{}, fmt.Errorf("save record %s: %w", r.ID, err)
	}
	if err := s.index(ctx, tx, spec, r.ID, r.Fields); err != nil {
		return syncproto.Op{}, err
	}
	if entry := meta[MetaWorklistEntry]; entry != "" {
		if err := startWorklist(ctx, tx, entry, r.ID); err != nil {
			return syncproto.Op{}, err
		}
	}
	op := syncproto.Op{DeviceID: s.deviceID, Seq: seq, HLC: ts, RecordID: r.ID, Kind: r.Kind,
		Action: syncproto.ActionCreate, Fields: r.Fields.Clone(), Meta: meta}
	return op, s.appendOp(ctx, tx, &op)
}

// Mutation is what an update does: fields to write and, for submit and
// withdraw, the new status.
type Mutation struct {
	Action syncproto.Action
	Set    record.Fields // path -> new value; "" clears
	Status record.Status // "" keeps the status
	Meta   map[string]string
}

// ErrNoChange is returned by an update function to make Update a no-op.
var ErrNoChange = errors.New("nothing to change")

// Update loads record id inside a write transaction, lets fn decide the
// change against that fresh copy (so two processes cannot interleave a
// read-check-write), and saves it with its op. When fn returns ErrNoChange
// nothing is written and the current record is returned with a zero Op.
func (s *Store) Update(ctx context.Context, id string, fn func(r *record.Record) (Mutation, error)) (*record.Record, syncproto.Op, error) {
	var (
		op  syncproto.Op
		out *record.Record
	)
	err := sqlitex.InTx(ctx, s.db.sql, func(tx *sql.Tx) error {
		r, versions, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		spec, err := record.SpecFor(r.Kind)
		if err != nil {
			return err
		}
		m, err := fn(cloneRecord(r))
		if errors.Is(err, ErrNoChange) {
			out = r
			return nil
		}
		if err != nil {
			return err
		}
		seq, ts, err := s.next(ctx, tx)
		if err != nil {
			return err
		}
		base := map[string]hlc.Timestamp{}
		written := record.Fields{}
		for p, v := range m.Set {
			if _, ok := spec.Field(p); !ok {
				return fmt.Errorf("update %s: unknown field %q", id, p)
			}
			base[p] = versions[p]
			versions[p] = ts
			written[p] = v
			if v == "" {
				delete(r.Fields, p)
			} else {
				r.Fields[p] = v
			}
		}
		if m.Status != "" {
			r.Status = m.Status
		}
		now := ts.Time()
		r.UpdatedAt = now
		fieldsBlob, nameBlob, err := s.sealFields(r.ID, spec, r.Fields)
		if err != nil {
			return err
		}
		vblob, err := s.sealVersions(r.ID, versions)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE records SET status = ?, village_code = ?, fields = ?, name = ?,
			versions = ?, updated_at = ?, hlc = ? WHERE id = ?`,
			r.Status, r.Fields.VillageCode(), fieldsBlob, nameBlob, vblob, now.UnixMilli(), int64(ts), r.ID); err != nil {
			return fmt.Errorf("update record %s: %w", id, err)
		}
		if len(m.Set) > 0 {
			if err := s.index(ctx, tx, spec, r.ID, r.Fields); err != nil {
				return err
			}
		}
		if len(base) == 0 {
			base = nil
		}
		op = syncproto.Op{DeviceID: s.deviceID, Seq: seq, HLC: ts, RecordID: r.ID, Kind: r.Kind,
			Action: m.Action, Fields: written, Base: base, Meta: m.Meta}
		if len(op.Fields) == 0 {
			op.Fields = nil
		}
		out = r
		return s.appendOp(ctx, tx, &op)
	})
	if err != nil {
		return nil, syncproto.Op{}, err
	}
	return out, op, nil
}

// next takes the next sequence number and HLC stamp inside tx. Both are
// read from the database, not from memory, so another process writing to
// the same store (the CLI beside `serve`) cannot cause a gap or a reuse.
func (s *Store) next(ctx context.Context, tx *sql.Tx) (uint64, hlc.Timestamp, error) {
	var seq, last int64
	if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", metaSeq).Scan(&seq); err != nil {
		return 0, 0, fmt.Errorf("read seq: %w", err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", metaHLC).Scan(&last); err != nil {
		return 0, 0, fmt.Errorf("read clock: %w", err)
	}
	ts := s.clock.Observe(hlc.Timestamp(last))
	if _, err := tx.ExecContext(ctx, "UPDATE meta SET value = ? WHERE key = ?", seq+1, metaSeq); err != nil {
		return 0, 0, fmt.Errorf("write seq: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE meta SET value = ? WHERE key = ?", int64(ts), metaHLC); err != nil {
		return 0, 0, fmt.Errorf("write clock: %w", err)
	}
	return uint64(seq + 1), ts, nil
}

func (s *Store) appendOp(ctx context.Context, tx *sql.Tx, op *syncproto.Op) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	op.OpID = id.String()
	body, err := json.Marshal(opBody{Fields: op.Fields, Base: op.Base, Meta: op.Meta})
	if err != nil {
		return err
	}
	sealed, err := s.keys.Seal(body, aad("op", op.OpID, "body"))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ops (seq, op_id, device_id, hlc, record_id, kind, action, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		int64(op.Seq), op.OpID, op.DeviceID, int64(op.HLC), op.RecordID, op.Kind, op.Action, sealed); err != nil {
		return fmt.Errorf("append op %d: %w", op.Seq, err)
	}
	return nil
}

func (s *Store) sealFields(id string, spec *record.Spec, f record.Fields) (fieldsBlob, nameBlob []byte, err error) {
	j, err := json.Marshal(f)
	if err != nil {
		return nil, nil, err
	}
	if fieldsBlob, err = s.keys.Seal(j, aad("record", id, "fields")); err != nil {
		return nil, nil, err
	}
	if nameBlob, err = s.keys.Seal([]byte(spec.Name(f)), aad("record", id, "name")); err != nil {
		return nil, nil, err
	}
	return fieldsBlob, nameBlob, nil
}

// index rewrites the blind-index tokens of every NIK on the record.
func (s *Store) index(ctx context.Context, tx *sql.Tx, spec *record.Spec, id string, f record.Fields) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM nik_index WHERE record_id = ?", id); err != nil {
		return fmt.Errorf("index %s: %w", id, err)
	}
	for _, fd := range spec.Fields {
		if fd.Type != record.TypeNIK || f[fd.Path] == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO nik_index (token, record_id) VALUES (?, ?)",
			s.nikToken(f[fd.Path]), id); err != nil {
			return fmt.Errorf("index %s: %w", id, err)
		}
	}
	return nil
}

func (s *Store) sealVersions(id string, v map[string]hlc.Timestamp) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return s.keys.Seal(j, aad("record", id, "versions"))
}

func (s *Store) nikToken(nik string) []byte {
	return s.keys.BlindIndex("nik", strings.TrimSpace(nik))
}

// aad binds a sealed blob to its place, so a blob copied into another row
// or column fails to open instead of showing the wrong person.
func aad(table, id, column string) []byte {
	return []byte(table + "/" + id + "/" + column)
}
