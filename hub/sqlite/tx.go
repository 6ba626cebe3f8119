package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/syncproto"
)

type tx struct {
	ctx context.Context
	tx  *sql.Tx
	s   *Store
}

// stmt is q prepared once for the store, bound to this transaction.
func (t *tx) stmt(q string) (*sql.Stmt, error) {
	st, err := t.s.prepare(t.ctx, q)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(t.ctx, st), nil
}

func (t *tx) execResult(q string, args ...any) (sql.Result, error) {
	st, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

func (t *tx) exec(q string, args ...any) error {
	_, err := t.execResult(q, args...)
	return err
}

func (t *tx) row(q string, args ...any) *sql.Row {
	st, err := t.stmt(q)
	if err != nil {
		// A query that does not prepare fails the same way when run.
		return t.tx.QueryRowContext(t.ctx, q, args...)
	}
	return st.QueryRowContext(t.ctx, args...)
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(t.ctx, args...)
}

// notFound turns sql.ErrNoRows into hub.ErrNotFound with context.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, hub.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMs(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func (t *tx) Meta(key string) (string, error) {
	var v string
	err := t.row("SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func (t *tx) SetMeta(key, value string) error {
	return t.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
}

func (t *tx) NextSeq(name string) (uint64, error) {
	if err := t.exec(`INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1`, name); err != nil {
		return 0, fmt.Errorf("counter %s: %w", name, err)
	}
	var v int64
	if err := t.row("SELECT value FROM counters WHERE name = ?", name).Scan(&v); err != nil {
		return 0, fmt.Errorf("counter %s: %w", name, err)
	}
	return uint64(v), nil
}

func (t *tx) PutEnrolCode(c hub.EnrolCode) error {
	v, _ := json.Marshal(c.Villages)
	return t.exec(`INSERT INTO enrol_codes (hash, officer, villages, created_at, expires_at, used_by) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET used_by = excluded.used_by`,
		c.Hash, c.Officer, string(v), ms(c.CreatedAt), ms(c.ExpiresAt), c.UsedBy)
}

func (t *tx) EnrolCode(hash string) (hub.EnrolCode, error) {
	var c hub.EnrolCode
	var v string
	var created, expires int64
	err := t.row("SELECT hash, officer, villages, created_at, expires_at, used_by FROM enrol_codes WHERE hash = ?", hash).
		Scan(&c.Hash, &c.Officer, &v, &created, &expires, &c.UsedBy)
	if err := notFound(err, "enrolment code"); err != nil {
		return c, err
	}
	c.CreatedAt, c.ExpiresAt = fromMs(created), fromMs(expires)
	return c, json.Unmarshal([]byte(v), &c.Villages)
}

func (t *tx) PutDevice(d hub.Device) error {
	v, _ := json.Marshal(d.Villages)
	key, err := d.Key.MarshalText()
	if err != nil {
		return fmt.Errorf("device %s key: %w", d.ID, err)
	}
	return t.exec(`INSERT INTO devices (id, officer, villages, public_key, epoch, enrolled_at, applied_seq, last_sync, skew_ms, revoked_at, cutoff_seq, problem)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET officer = excluded.officer, villages = excluded.villages, public_key = excluded.public_key,
		epoch = excluded.epoch, applied_seq = excluded.applied_seq, last_sync = excluded.last_sync, skew_ms = excluded.skew_ms,
		revoked_at = excluded.revoked_at, cutoff_seq = excluded.cutoff_seq, problem = excluded.problem`,
		d.ID, d.Officer, string(v), string(key), d.Epoch, ms(d.EnrolledAt), int64(d.AppliedSeq), ms(d.LastSync),
		d.Skew.Milliseconds(), ms(d.RevokedAt), int64(d.CutoffSeq), d.Problem)
}

const deviceCols = "id, officer, villages, public_key, epoch, enrolled_at, applied_seq, last_sync, skew_ms, revoked_at, cutoff_seq, problem"

func scanDevice(sc interface{ Scan(...any) error }) (hub.Device, error) {
	var d hub.Device
	var v, key string
	var enrolled, applied, last, skew, revoked, cutoff int64
	if err := sc.Scan(&d.ID, &d.Officer, &v, &key, &d.Epoch, &enrolled, &applied, &last, &skew, &revoked, &cutoff, &d.Problem); err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(v), &d.Villages); err != nil {
		return d, fmt.Errorf("device %s villages: %w", d.ID, err)
	}
	if err := d.Key.UnmarshalText([]byte(key)); err != nil {
		return d, fmt.Errorf("device %s key: %w", d.ID, err)
	}
	d.EnrolledAt, d.LastSync, d.RevokedAt = fromMs(enrolled), fromMs(last), fromMs(revoked)
	d.AppliedSeq, d.CutoffSeq, d.Skew = uint64(applied), uint64(cutoff), time.Duration(skew)*time.Millisecond
	return d, nil
}

func (t *tx) Device(id string) (hub.Device, error) {
	d, err := scanDevice(t.row("SELECT "+deviceCols+" FROM devices WHERE id = ?", id))
	return d, notFound(err, "device "+id)
}

func (t *tx) Devices() ([]hub.Device, error) {
	rows, err := t.query("SELECT " + deviceCols + " FROM devices ORDER BY officer, id")
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	defer rows.Close()
	var out []hub.Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, fmt.Errorf("devices: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (t *tx) PutBundle(b hub.Bundle) error {
	return t.exec(`INSERT INTO bundles (id, device_id, sum, prev, seq_first, seq_last, status, message, received_at, receipt, raw)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, message = excluded.message, receipt = excluded.receipt, raw = excluded.raw`,
		b.ID, b.DeviceID, hex.EncodeToString(b.Sum[:]), hex.EncodeToString(b.Prev[:]), int64(b.SeqFirst), int64(b.SeqLast),
		string(b.Status), b.Message, ms(b.ReceivedAt), b.Receipt, b.Raw)
}

const bundleCols = "id, device_id, sum, prev, seq_first, seq_last, status, message, received_at, receipt, raw"

func scanBundle(sc interface{ Scan(...any) error }) (hub.Bundle, error) {
	var b hub.Bundle
	var sum, prev, status string
	var first, last, at int64
	if err := sc.Scan(&b.ID, &b.DeviceID, &sum, &prev, &first, &last, &status, &b.Message, &at, &b.Receipt, &b.Raw); err != nil {
		return b, err
	}
	hex.Decode(b.Sum[:], []byte(sum))
	hex.Decode(b.Prev[:], []byte(prev))
	b.SeqFirst, b.SeqLast, b.Status, b.ReceivedAt = uint64(first), uint64(last), hub.BundleState(status), fromMs(at)
	return b, nil
}

func (t *tx) Bundle(id string) (hub.Bundle, error) {
	b, err := scanBundle(t.row("SELECT "+bundleCols+" FROM bundles WHERE id = ?", id))
	return b, notFound(err, "bundle "+id)
}

func (t *tx) BundleEnding(device string, seq uint64) (hub.Bundle, error) {
	b, err := scanBundle(t.row("SELECT "+bundleCols+" FROM bundles WHERE device_id = ? AND seq_last = ? AND status = ? ORDER BY received_at LIMIT 1",
		device, int64(seq), string(syncproto.ReceiptApplied)))
	return b, notFound(err, fmt.Sprintf("bundle of %s ending at %d", device, seq))
}

func (t *tx) HeldBundles(device string) ([]hub.Bundle, error) {
	rows, err := t.query("SELECT "+bundleCols+" FROM bundles WHERE device_id = ? AND status = ? ORDER BY seq_first",
		device, string(syncproto.ReceiptHeld))
	if err != nil {
		return nil, fmt.Errorf("held bundles: %w", err)
	}
	defer rows.Close()
	var out []hub.Bundle
	for rows.Next() {
		b, err := scanBundle(rows)
		if err != nil {
			return nil, fmt.Errorf("held bundles: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func (t *tx) PutOp(op syncproto.Op, target string) (bool, error) {
	body, err := json.Marshal(op)
	if err != nil {
		return false, err
	}
	res, err := t.execResult(`INSERT INTO ops (device_id, seq, op_id, hlc, record_id, target, body) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, op.DeviceID, int64(op.Seq), op.OpID, int64(op.HLC), op.RecordID, target, string(body))
	if err != nil {
		return false, fmt.Errorf("store op %s/%d: %w", op.DeviceID, op.Seq, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) ops(q string, args ...any) ([]syncproto.Op, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("read ops: %w", err)
	}
	defer rows.Close()
	var out []syncproto.Op
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("read ops: %w", err)
		}
		var op syncproto.Op
		if err := json.Unmarshal([]byte(body), &op); err != nil {
			return nil, fmt.Errorf("decode op: %w", err)
		}
		out = append(out, op)
	}
	return out, rows.Err()
}

func (t *tx) OpAt(device string, seq uint64) (syncproto.Op, error) {
	ops, err := t.ops("SELECT body FROM ops WHERE device_id = ? AND seq = ?", device, int64(seq))
	if err != nil {
		return syncproto.Op{}, err
	}
	if len(ops) == 0 {
		return syncproto.Op{}, fmt.Errorf("op %s/%d: %w", device, seq, hub.ErrNotFound)
	}
	return ops[0], nil
}

func (t *tx) RecordOps(recordID string) ([]syncproto.Op, error) {
	return t.ops("SELECT body FROM ops WHERE record_id = ? ORDER BY hlc, device_id, seq", recordID)
}

func (t *tx) Downstream(device string, after uint64, limit int) ([]syncproto.Op, error) {
	return t.ops("SELECT body FROM ops WHERE target = ? AND device_id = ? AND seq > ? ORDER BY seq LIMIT ?",
		device, syncproto.HubSender, int64(after), limit)
}

func (t *tx) PutRecord(r hub.Record) error {
	st := r.State
	state, err := json.Marshal(st)
	if err != nil {
		return err
	}
	// The report columns (ReportColumns) are derived from the state here,
	// so coverage queries count from plain columns.
	args := append([]any{st.ID, string(st.Kind), string(st.Status), st.TrackingCode, st.Values().VillageCode(), r.Name,
		strings.Join(r.Flags, " "), st.DeviceID, st.Officer, r.DuplicateKey, r.Via, st.Updated.Time().UnixMilli(), string(state)},
		ReportColumns(st)...)
	return t.exec(`INSERT INTO records (id, kind, status, tracking_code, village_code, name, flags, device_id, officer, dup_key, via, updated_at, state,
		captured_at, event_date, delay_days, ktp_due, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, village_code = excluded.village_code, name = excluded.name,
		flags = excluded.flags, dup_key = excluded.dup_key, via = excluded.via, updated_at = excluded.updated_at, state = excluded.state,
		captured_at = excluded.captured_at, event_date = excluded.event_date, delay_days = excluded.delay_days,
		ktp_due = excluded.ktp_due, received_at = excluded.received_at`, args...)
}

func (t *tx) record(q string, args ...any) (hub.Record, error) {
	var r hub.Record
	var flags, state string
	err := t.row("SELECT name, flags, dup_key, via, state FROM records WHERE "+q, args...).Scan(&r.Name, &flags, &r.DuplicateKey, &r.Via, &state)
	if err := notFound(err, "record"); err != nil {
		return r, err
	}
	r.Flags = strings.Fields(flags)
	r.State = &merge.State{}
	if err := json.Unmarshal([]byte(state), r.State); err != nil {
		return r, fmt.Errorf("decode record state: %w", err)
	}
	return r, nil
}

func (t *tx) Record(id string) (hub.Record, error) {
	r, err := t.record("id = ?", id)
	if err != nil {
		return r, fmt.Errorf("record %s: %w", id, err)
	}
	return r, nil
}

func (t *tx) RecordByTracking(code string) (hub.Record, error) {
	r, err := t.record("tracking_code = ? ORDER BY id LIMIT 1", code)
	if err != nil {
		return r, fmt.Errorf("tracking code %s: %w", code, err)
	}
	return r, nil
}

func (t *tx) Records(f hub.Filter) ([]hub.Summary, error) {
	q := "SELECT id, kind, status, tracking_code, village_code, name, flags, device_id, officer, updated_at FROM records WHERE 1 = 1"
	var args []any
	if f.Status != "" {
		q += " AND status = ?"
		args = append(args, string(f.Status))
	}
	if f.Kind != "" {
		q += " AND kind = ?"
		args = append(args, string(f.Kind))
	}
	if f.Device != "" {
		q += " AND device_id = ?"
		args = append(args, f.Device)
	}
	if f.Region != "" {
		// A range ('/' sorts right after '.'). The unary + keeps SQLite
		// from reading by village and sorting everything: the list is read
		// newest first from records_updated and stops after one page.
		q += " AND (+village_code = ? OR (+village_code >= ? AND +village_code < ?))"
		args = append(args, f.Region, f.Region+".", f.Region+"/")
	}
	if f.Flag != "" {
		// flags is a space-separated list of known words: pad to match whole words.
		q += " AND (' ' || flags || ' ') LIKE ?"
		args = append(args, "% "+f.Flag+" %")
	}
	q += " ORDER BY updated_at DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT ? OFFSET ?"
		args = append(args, f.Limit, f.Offset)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("list records: %w", err)
	}
	defer rows.Close()
	var out []hub.Summary
	for rows.Next() {
		var s hub.Summary
		var flags string
		var updated int64
		if err := rows.Scan(&s.ID, &s.Kind, &s.Status, &s.TrackingCode, &s.VillageCode, &s.Name, &flags, &s.DeviceID, &s.Officer, &updated); err != nil {
			return nil, fmt.Errorf("list records: %w", err)
		}
		s.Flags, s.UpdatedAt = strings.Fields(flags), fromMs(updated)
		out = append(out, s)
	}
	return out, rows.Err()
}

func (t *tx) RecordsByDuplicateKey(key string) ([]string, error) {
	rows, err := t.query("SELECT id FROM records WHERE dup_key = ? ORDER BY id", key)
	if err != nil {
		return nil, fmt.Errorf("duplicate key: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (t *tx) PutDuplicate(d hub.Duplicate) error {
	return t.exec(`INSERT INTO duplicates (a, b, dup_key, status, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (a, b) DO UPDATE SET dup_key = excluded.dup_key, status = excluded.status, decided_by = excluded.decided_by,
		decided_at = excluded.decided_at`, d.A, d.B, d.Key, d.Status, d.DecidedBy, ms(d.DecidedAt))
}

func (t *tx) Duplicates(recordID string) ([]hub.Duplicate, error) {
	rows, err := t.query(`SELECT a, b, dup_key, status, decided_by, decided_at FROM duplicates
		WHERE a = ? OR b = ? ORDER BY a, b`, recordID, recordID)
	if err != nil {
		return nil, fmt.Errorf("duplicates of %s: %w", recordID, err)
	}
	defer rows.Close()
	var out []hub.Duplicate
	for rows.Next() {
		var d hub.Duplicate
		var at int64
		if err := rows.Scan(&d.A, &d.B, &d.Key, &d.Status, &d.DecidedBy, &at); err != nil {
			return nil, err
		}
		d.DecidedAt = fromMs(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

func (t *tx) PutUpload(u hub.Upload) error {
	c := 0
	if u.Complete {
		c = 1
	}
	return t.exec(`INSERT INTO uploads (id, device_id, bundle_id, size, sum, created_at, complete) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET complete = excluded.complete`,
		u.ID, u.DeviceID, u.BundleID, u.Size, u.Sum, ms(u.CreatedAt), c)
}

func (t *tx) upload(q string, args ...any) (hub.Upload, error) {
	var u hub.Upload
	var at int64
	var c int
	err := t.row("SELECT id, device_id, bundle_id, size, sum, created_at, complete FROM uploads WHERE "+q, args...).
		Scan(&u.ID, &u.DeviceID, &u.BundleID, &u.Size, &u.Sum, &at, &c)
	u.CreatedAt, u.Complete = fromMs(at), c == 1
	return u, notFound(err, "upload")
}

func (t *tx) Upload(id string) (hub.Upload, error) { return t.upload("id = ?", id) }

func (t *tx) UploadByBundle(device, bundleID string) (hub.Upload, error) {
	return t.upload("device_id = ? AND bundle_id = ?", device, bundleID)
}

func (t *tx) UseNonce(device, nonce string, at, before time.Time) (bool, error) {
	if err := t.exec("DELETE FROM nonces WHERE seen_at < ?", ms(before)); err != nil {
		return false, err
	}
	res, err := t.execResult("INSERT INTO nonces (device_id, nonce, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		device, nonce, ms(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
