package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/syncproto"
)

// HubFix is one operator's change to a record, as the laptop applied it.
type HubFix struct {
	At     time.Time
	By     string   // the operator
	Fields []string // paths it changed on this laptop
	// Resolved lists those of Fields whose conflict the operator settled:
	// two writers had disagreed, and this value is the hub's choice.
	Resolved []string
}

// noteHubFix records, in the transaction that applies it, which fields the
// hub op changed here and which of them settled a conflict.
func noteHubFix(ctx context.Context, tx *sql.Tx, id string, op syncproto.Op, changed []string) error {
	slices.Sort(changed)
	var resolved []string
	for _, p := range strings.Split(op.Meta[syncproto.MetaResolves], ",") {
		if slices.Contains(changed, p) {
			resolved = append(resolved, p)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO hub_fixes (record_id, hlc, by, fields, resolved) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (record_id, hlc) DO NOTHING`, id, int64(op.HLC), op.Meta["by"], strings.Join(changed, ","), strings.Join(resolved, ",")); err != nil {
		return fmt.Errorf("note hub change to %s: %w", id, err)
	}
	return nil
}

// HubFixes lists the operators' changes to record id, oldest first.
func (s *Store) HubFixes(ctx context.Context, id string) ([]HubFix, error) {
	rows, err := s.db.sql.QueryContext(ctx, "SELECT hlc, by, fields, resolved FROM hub_fixes WHERE record_id = ? ORDER BY hlc", id)
	if err != nil {
		return nil, fmt.Errorf("read hub changes to %s: %w", id, err)
	}
	defer rows.Close()
	var out []HubFix
	for rows.Next() {
		var ts int64
		var f HubFix
		var fields, resolved string
		if err := rows.Scan(&ts, &f.By, &fields, &resolved); err != nil {
			return nil, fmt.Errorf("read hub changes to %s: %w", id, err)
		}
		f.At = hlc.Timestamp(ts).Time()
		f.Fields, f.Resolved = splitFlags(fields), splitFlags(resolved)
		out = append(out, f)
	}
	return out, rows.Err()
}
