package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/syncproto"
)

// WorklistEntry is one resident on the officer's worklist: someone of an
// assigned village who, by the hub's roster, still needs a KTP-el (Kind
// ektp) or a birth certificate (Kind birth). Fields prefill a new record
// of Kind, in its own field names.
type WorklistEntry struct {
	ID      string
	Kind    record.Kind
	Village string
	Fields  record.Fields
}

// applyWorklist applies an ActionWorklist hub op: an open entry is saved
// (replacing an earlier one), a done entry is deleted. Either is
// idempotent. Its fields are sealed like a record's.
func (s *Store) applyWorklist(ctx context.Context, tx *sql.Tx, op syncproto.Op) error {
	switch op.Meta["state"] {
	case syncproto.WorklistOpen:
		if _, err := record.SpecFor(op.Kind); err != nil {
			return fmt.Errorf("worklist entry %s: %w", op.RecordID, err)
		}
		j, err := json.Marshal(op.Fields)
		if err != nil {
			return err
		}
		sealed, err := s.keys.Seal(j, aad("worklist", op.RecordID, "fields"))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO worklist (id, kind, village_code, fields, hlc) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, village_code = excluded.village_code, fields = excluded.fields,
			hlc = excluded.hlc`, op.RecordID, op.Kind, op.Fields.VillageCode(), sealed, int64(op.HLC)); err != nil {
			return fmt.Errorf("save worklist entry %s: %w", op.RecordID, err)
		}
	case syncproto.WorklistDone:
		if _, err := tx.ExecContext(ctx, "DELETE FROM worklist WHERE id = ?", op.RecordID); err != nil {
			return fmt.Errorf("remove worklist entry %s: %w", op.RecordID, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM worklist_started WHERE entry_id = ?", op.RecordID); err != nil {
			return fmt.Errorf("remove worklist entry %s: %w", op.RecordID, err)
		}
	default:
		return fmt.Errorf("worklist entry %s: state %q is not one this laptop knows (update jemput-agent)", op.RecordID, op.Meta["state"])
	}
	return nil
}

func (s *Store) openEntry(id, kind, village string, blob []byte) (WorklistEntry, error) {
	e := WorklistEntry{ID: id, Kind: record.Kind(kind), Village: village}
	plain, err := s.keys.Open(blob, aad("worklist", id, "fields"))
	if err != nil {
		return e, fmt.Errorf("open worklist entry %s: %w", id, err)
	}
	if err := json.Unmarshal(plain, &e.Fields); err != nil {
		return e, fmt.Errorf("decode worklist entry %s: %w", id, err)
	}
	if e.Fields == nil {
		e.Fields = record.Fields{}
	}
	return e, nil
}

// Worklist lists the worklist entries of village, by name (then id).
func (s *Store) Worklist(ctx context.Context, village string) ([]WorklistEntry, error) {
	rows, err := s.db.sql.QueryContext(ctx, "SELECT id, kind, village_code, fields FROM worklist WHERE village_code = ?", village)
	if err != nil {
		return nil, fmt.Errorf("read worklist: %w", err)
	}
	defer rows.Close()
	type named struct {
		name string
		WorklistEntry
	}
	var out []named
	for rows.Next() {
		var id, kind, v string
		var blob []byte
		if err := rows.Scan(&id, &kind, &v, &blob); err != nil {
			return nil, fmt.Errorf("read worklist: %w", err)
		}
		e, err := s.openEntry(id, kind, v, blob)
		if err != nil {
			return nil, err
		}
		n := named{WorklistEntry: e}
		if spec, err := record.SpecFor(e.Kind); err == nil {
			n.name = spec.Name(e.Fields)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read worklist: %w", err)
	}
	slices.SortFunc(out, func(a, b named) int {
		return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.ID, b.ID))
	})
	entries := make([]WorklistEntry, len(out))
	for i, n := range out {
		entries[i] = n.WorklistEntry
	}
	return entries, nil
}

// WorklistEntry reads one worklist entry; an error wrapping ErrNotFound if
// there is none (anymore) with id.
func (s *Store) WorklistEntry(ctx context.Context, id string) (WorklistEntry, error) {
	var kind, v string
	var blob []byte
	err := s.db.sql.QueryRowContext(ctx, "SELECT kind, village_code, fields FROM worklist WHERE id = ?", id).Scan(&kind, &v, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return WorklistEntry{}, fmt.Errorf("worklist entry %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return WorklistEntry{}, fmt.Errorf("read worklist entry %s: %w", id, err)
	}
	return s.openEntry(id, kind, v, blob)
}

// WorklistCounts counts the worklist entries by village and kind, from the
// clear columns alone (nothing is opened).
func (s *Store) WorklistCounts(ctx context.Context) (map[string]map[record.Kind]int, error) {
	rows, err := s.db.sql.QueryContext(ctx, "SELECT village_code, kind, count(*) FROM worklist GROUP BY village_code, kind")
	if err != nil {
		return nil, fmt.Errorf("count worklist: %w", err)
	}
	defer rows.Close()
	out := map[string]map[record.Kind]int{}
	for rows.Next() {
		var v, kind string
		var n int
		if err := rows.Scan(&v, &kind, &n); err != nil {
			return nil, fmt.Errorf("count worklist: %w", err)
		}
		if out[v] == nil {
			out[v] = map[record.Kind]int{}
		}
		out[v][record.Kind(kind)] = n
	}
	return out, rows.Err()
}

// MetaWorklistEntry is the create op's meta key naming the worklist entry a
// record was started from (Create records the link; the hub may read it).
const MetaWorklistEntry = "worklist_entry"

// startWorklist links entry to the record started from it, in the
// record's own transaction. A later record from the same entry (the first
// was withdrawn, say) takes the link over.
func startWorklist(ctx context.Context, tx *sql.Tx, entry, recordID string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO worklist_started (entry_id, record_id) VALUES (?, ?)
		ON CONFLICT (entry_id) DO UPDATE SET record_id = excluded.record_id`, entry, recordID); err != nil {
		return fmt.Errorf("link record %s to worklist entry %s: %w", recordID, entry, err)
	}
	return nil
}

// WorklistStarted returns, for the worklist entries of village that a
// record was started from, that record's summary, by entry id.
func (s *Store) WorklistStarted(ctx context.Context, village string) (map[string]Summary, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT w.record_id, w.entry_id FROM worklist_started w
		JOIN worklist e ON e.id = w.entry_id WHERE e.village_code = ?`, village)
	if err != nil {
		return nil, fmt.Errorf("read worklist records: %w", err)
	}
	defer rows.Close()
	entryOf := map[string]string{} // record id -> entry id: a record is linked once, at its creation
	var ids []any
	for rows.Next() {
		var id, entry string
		if err := rows.Scan(&id, &entry); err != nil {
			return nil, fmt.Errorf("read worklist records: %w", err)
		}
		entryOf[id] = entry
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read worklist records: %w", err)
	}
	out := make(map[string]Summary, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := s.summaries(ctx, `SELECT id, kind, status, tracking_code, village_code, name, flags, decision, created_at, updated_at
		FROM records WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, ids...)
	if err != nil {
		return nil, err
	}
	for _, sm := range list {
		out[entryOf[sm.ID]] = sm
	}
	return out, nil
}
