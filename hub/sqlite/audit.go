package sqlite

import (
	"fmt"

	"github.com/jemputbola/jemput/hub"
)

const auditCols = "seq, at, actor, action, target, detail, prev_hash, hash"

func scanAudit(sc interface{ Scan(...any) error }) (hub.AuditEntry, error) {
	var e hub.AuditEntry
	var seq, at int64
	if err := sc.Scan(&seq, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
		return e, err
	}
	e.Seq, e.At = uint64(seq), fromMs(at)
	return e, nil
}

func (t *tx) LastAudit() (hub.AuditEntry, error) {
	e, err := scanAudit(t.row("SELECT " + auditCols + " FROM audit ORDER BY seq DESC LIMIT 1"))
	return e, notFound(err, "audit log")
}

func (t *tx) AppendAudit(e hub.AuditEntry) error {
	return t.exec("INSERT INTO audit ("+auditCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		int64(e.Seq), e.At.UnixMilli(), e.Actor, e.Action, e.Target, e.Detail, e.PrevHash, e.Hash)
}

func (t *tx) AuditEntries(after uint64, limit int) ([]hub.AuditEntry, error) {
	q := "SELECT " + auditCols + " FROM audit WHERE seq > ? ORDER BY seq"
	args := []any{int64(after)}
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []hub.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
