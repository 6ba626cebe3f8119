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
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/syncproto"
)

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Get returns record id with its fields opened.
func (s *Store) Get(ctx context.Context, id string) (*record.Record, error) {
	r, _, err := s.get(ctx, s.db.sql, id)
	return r, err
}

func (s *Store) get(ctx context.Context, q querier, id string) (*record.Record, map[string]hlc.Timestamp, error) {
	var (
		r                                  record.Record
		fieldsBlob, versionsBlob, decision []byte
		flags                              string
		createdMs, updatedMs               int64
	)
	err := q.QueryRowContext(ctx, `SELECT id, kind, status, tracking_code, fields, versions, flags, decision,
		officer, device_id, created_at, updated_at FROM records WHERE id = ?`, id).Scan(
		&r.ID, &r.Kind, &r.Status, &r.TrackingCode, &fieldsBlob, &versionsBlob, &flags, &decision,
		&r.Officer, &r.DeviceID, &createdMs, &updatedMs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read record %s: %w", id, err)
	}
	plain, err := s.keys.Open(fieldsBlob, aad("record", id, "fields"))
	if err != nil {
		return nil, nil, fmt.Errorf("open record %s: %w", id, err)
	}
	if err := json.Unmarshal(plain, &r.Fields); err != nil {
		return nil, nil, fmt.Errorf("decode record %s: %w", id, err)
	}
	if r.Fields == nil {
		r.Fields = record.Fields{}
	}
	versions := map[string]hlc.Timestamp{}
	plainV, err := s.keys.Open(versionsBlob, aad("record", id, "versions"))
	if err != nil {
		return nil, nil, fmt.Errorf("open versions of %s: %w", id, err)
	}
	if err := json.Unmarshal(plainV, &versions); err != nil {
		return nil, nil, fmt.Errorf("decode versions of %s: %w", id, err)
	}
	r.Flags = splitFlags(flags)
	if r.Decision, err = s.openDecision(id, decision); err != nil {
		return nil, nil, err
	}
	r.CreatedAt, r.UpdatedAt = time.UnixMilli(createdMs), time.UnixMilli(updatedMs)
	return &r, versions, nil
}

func (s *Store) openDecision(id string, blob []byte) (*record.Decision, error) {
	if len(blob) == 0 {
		return nil, nil
	}
	plain, err := s.keys.Open(blob, aad("record", id, "decision"))
	if err != nil {
		return nil, fmt.Errorf("open decision of %s: %w", id, err)
	}
	var d record.Decision
	if err := json.Unmarshal(plain, &d); err != nil {
		return nil, fmt.Errorf("decode decision of %s: %w", id, err)
	}
	return &d, nil
}

func splitFlags(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func cloneRecord(r *record.Record) *record.Record {
	c := *r
	c.Fields = r.Fields.Clone()
	c.Flags = append([]string(nil), r.Flags...)
	return &c
}

// Resolve turns what an officer types (a record id or a tracking code, in
// any case, with or without hyphens) into a record id.
func (s *Store) Resolve(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	var id string
	err := s.db.sql.QueryRowContext(ctx, "SELECT id FROM records WHERE id = ?", strings.ToLower(ref)).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("find %s: %w", ref, err)
	}
	code, perr := tracking.Parse(ref)
	if perr != nil {
		return "", fmt.Errorf("%q is neither a record id nor a tracking code (%v): %w", ref, perr, ErrNotFound)
	}
	err = s.db.sql.QueryRowContext(ctx, "SELECT id FROM records WHERE tracking_code = ?", string(code)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("no record with tracking code %s: %w", code, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("find %s: %w", ref, err)
	}
	return id, nil
}

// Find returns the record an officer names by id or tracking code.
func (s *Store) Find(ctx context.Context, ref string) (*record.Record, error) {
	id, err := s.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Summary is a record without its fields: what a list shows.
type Summary struct {
	ID           string
	Kind         record.Kind
	Status       record.Status
	TrackingCode string
	VillageCode  string
	Name         string
	Flags        []string
	Decision     *record.Decision
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Field is set by FindNIK: which NIK field matched ("nik", "mother.nik").
	Field string
}

// Filter narrows a list. Zero values mean "any"; Limit 0 means no limit.
type Filter struct {
	Status  record.Status
	Kind    record.Kind
	Village string
	Limit   int
	Offset  int
}

// List returns record summaries, most recently changed first. Only the
// small sealed name is opened per row, so a list of 100,000 stays quick.
func (s *Store) List(ctx context.Context, f Filter) ([]Summary, error) {
	q := `SELECT id, kind, status, tracking_code, village_code, name, flags, decision, created_at, updated_at
		FROM records WHERE 1=1`
	var args []any
	if f.Status != "" {
		q += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.Kind != "" {
		q += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if f.Village != "" {
		q += " AND village_code = ?"
		args = append(args, f.Village)
	}
	q += " ORDER BY updated_at DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT ? OFFSET ?"
		args = append(args, f.Limit, max(f.Offset, 0))
	}
	return s.summaries(ctx, q, args...)
}

// FindNIK returns the records on which nik appears in any NIK field, found
// through the blind index without opening any other record. Summary.Field
// names the field that holds it ("nik", "mother.nik", ...).
func (s *Store) FindNIK(ctx context.Context, nik string) ([]Summary, error) {
	nik = strings.TrimSpace(nik)
	list, err := s.summaries(ctx, `SELECT r.id, r.kind, r.status, r.tracking_code, r.village_code, r.name, r.flags,
		r.decision, r.created_at, r.updated_at
		FROM nik_index n JOIN records r ON r.id = n.record_id WHERE n.token = ? ORDER BY r.updated_at DESC`,
		s.nikToken(nik))
	if err != nil {
		return nil, err
	}
	for i := range list {
		r, err := s.Get(ctx, list[i].ID)
		if err != nil {
			return nil, err
		}
		spec, err := record.SpecFor(r.Kind)
		if err != nil {
			return nil, err
		}
		for _, fd := range spec.Fields {
			if fd.Type == record.TypeNIK && r.Fields[fd.Path] == nik {
				list[i].Field = fd.Path
				break
			}
		}
	}
	return list, nil
}

func (s *Store) summaries(ctx context.Context, q string, args ...any) ([]Summary, error) {
	rows, err := s.db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list records: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var (
			sm                   Summary
			nameBlob, decision   []byte
			flags                string
			createdMs, updatedMs int64
		)
		dest := []any{&sm.ID, &sm.Kind, &sm.Status, &sm.TrackingCode, &sm.VillageCode, &nameBlob, &flags, &decision, &createdMs, &updatedMs}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("list records: %w", err)
		}
		name, err := s.keys.Open(nameBlob, aad("record", sm.ID, "name"))
		if err != nil {
			return nil, fmt.Errorf("open name of %s: %w", sm.ID, err)
		}
		sm.Name = string(name)
		sm.Flags = splitFlags(flags)
		if sm.Decision, err = s.openDecision(sm.ID, decision); err != nil {
			return nil, err
		}
		sm.CreatedAt, sm.UpdatedAt = time.UnixMilli(createdMs), time.UnixMilli(updatedMs)
		out = append(out, sm)
	}
	return out, rows.Err()
}

// Ops returns the op log after seq, in order, opened: what sync will send.
func (s *Store) Ops(ctx context.Context, afterSeq uint64, limit int) ([]syncproto.Op, error) {
	return s.ops(ctx, s.db.sql, afterSeq, limit)
}

func (s *Store) ops(ctx context.Context, q querier, afterSeq uint64, limit int) ([]syncproto.Op, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, op_id, device_id, hlc, record_id, kind, action, body
		FROM ops WHERE seq > ? ORDER BY seq LIMIT ?`, int64(afterSeq), limit)
	if err != nil {
		return nil, fmt.Errorf("read ops: %w", err)
	}
	defer rows.Close()
	var out []syncproto.Op
	for rows.Next() {
		var (
			op      syncproto.Op
			seq, ts int64
			sealed  []byte
		)
		if err := rows.Scan(&seq, &op.OpID, &op.DeviceID, &ts, &op.RecordID, &op.Kind, &op.Action, &sealed); err != nil {
			return nil, fmt.Errorf("read ops: %w", err)
		}
		op.Seq, op.HLC = uint64(seq), hlc.Timestamp(ts)
		plain, err := s.keys.Open(sealed, aad("op", op.OpID, "body"))
		if err != nil {
			return nil, fmt.Errorf("open op %d: %w", seq, err)
		}
		var body opBody
		if err := json.Unmarshal(plain, &body); err != nil {
			return nil, fmt.Errorf("decode op %d: %w", seq, err)
		}
		op.Fields, op.Base, op.Meta = body.Fields, body.Base, body.Meta
		out = append(out, op)
	}
	return out, rows.Err()
}

// Info is the store at a glance, for `status`.
type Info struct {
	DeviceID  string
	PublicKey string // the device's public keys (text form), for enrolment
	Epoch     string
	Officer   string
	Seq       uint64 // ops written
	AckedSeq  uint64 // ops the hub has acknowledged
	HLC       hlc.Timestamp
	LastSync  time.Time // zero: never
	ByStatus  map[record.Status]int
	Total     int
	Conflicts int
	Decisions int // records with a hub decision
}

// Pending is the number of ops not yet acknowledged by the hub.
func (i Info) Pending() uint64 { return i.Seq - i.AckedSeq }

// Info reads the store's counters.
func (s *Store) Info(ctx context.Context) (Info, error) { return s.info(ctx, true) }

// Brief is Info without the conflict and decision counts, which read
// every row: the counts by status come from an index alone, so the
// officer's home page stays quick with 100,000 records.
func (s *Store) Brief(ctx context.Context) (Info, error) { return s.info(ctx, false) }

func (s *Store) info(ctx context.Context, full bool) (Info, error) {
	in := Info{ByStatus: map[record.Status]int{}}
	meta := map[string]any{}
	rows, err := s.db.sql.QueryContext(ctx, "SELECT key, value FROM meta WHERE key NOT IN (?, ?)", metaKeyring, metaIdentity)
	if err != nil {
		return in, fmt.Errorf("status: %w", err)
	}
	for rows.Next() {
		var k string
		var v any
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return in, fmt.Errorf("status: %w", err)
		}
		meta[k] = v
	}
	rows.Close()
	in.DeviceID, _ = meta[metaDeviceID].(string)
	in.Epoch, _ = meta[metaEpoch].(string)
	in.PublicKey, _ = meta[metaPublicKey].(string)
	in.Officer, _ = meta[metaOfficer].(string)
	seq, _ := meta[metaSeq].(int64)
	acked, _ := meta[metaAckedSeq].(int64)
	ts, _ := meta[metaHLC].(int64)
	in.Seq, in.AckedSeq, in.HLC = uint64(seq), uint64(acked), hlc.Timestamp(ts)
	if ms, ok := meta[metaLastSync].(int64); ok && ms > 0 {
		in.LastSync = time.UnixMilli(ms)
	}
	q := `SELECT status, count(*), 0, 0 FROM records GROUP BY status`
	if full {
		q = `SELECT status, count(*), sum(instr(flags, 'conflict') > 0), sum(decision IS NOT NULL) FROM records GROUP BY status`
	}
	rows, err = s.db.sql.QueryContext(ctx, q)
	if err != nil {
		return in, fmt.Errorf("status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st record.Status
		var n, conflicts, decisions int
		if err := rows.Scan(&st, &n, &conflicts, &decisions); err != nil {
			return in, fmt.Errorf("status: %w", err)
		}
		in.ByStatus[st] = n
		in.Total += n
		in.Conflicts += conflicts
		in.Decisions += decisions
	}
	return in, rows.Err()
}
