package hub

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// AuditEntry is one line of the audit log. Hash chains it to the entry
// before (PrevHash), so changing, deleting or reordering any entry breaks
// the chain at that point.
type AuditEntry struct {
	Seq      uint64
	At       time.Time
	Actor    string // who: a user, "device:ID", or "cli:NAME" for the operator's CLI
	Action   string // what: AuditDecide, AuditEdit, ...
	Target   string // on what: a record id, a device id, a user
	Detail   string // plain words, e.g. "approved, 6411-KTP-23112026-0001"
	PrevHash string
	Hash     string
}

// Audited actions.
const (
	AuditEnrolCode  = "enrol_code"
	AuditEnrol      = "enrol"
	AuditRevoke     = "revoke"
	AuditEdit       = "edit"
	AuditDecide     = "decide"
	AuditDuplicate  = "duplicate"
	AuditImport     = "import"
	AuditLogin      = "login"
	AuditLoginFail  = "login_failed"
	AuditUserAdd    = "user_add"
	auditGenesisHex = "0000000000000000000000000000000000000000000000000000000000000000"
)

// hashEntry is SHA-256 over a domain prefix and every field but Hash,
// each length-prefixed, so no two different entries share an encoding.
func hashEntry(e AuditEntry) string {
	h := sha256.New()
	h.Write([]byte("jemput/audit/v1\n"))
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	binary.BigEndian.PutUint64(n[:], e.Seq)
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.At.UnixMilli()))
	h.Write(n[:])
	put(e.Actor)
	put(e.Action)
	put(e.Target)
	put(e.Detail)
	put(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// audit appends an entry in tx: in the same transaction as the action it
// records, so an action is never done without its entry, nor the reverse.
func (h *Hub) audit(tx Tx, actor, action, target, detail string) error {
	last, err := tx.LastAudit()
	prev, seq := auditGenesisHex, uint64(1)
	switch {
	case err == nil:
		prev, seq = last.Hash, last.Seq+1
	case !errors.Is(err, ErrNotFound):
		return fmt.Errorf("audit: %w", err)
	}
	e := AuditEntry{Seq: seq, At: time.UnixMilli(h.now().UnixMilli()).UTC(), Actor: actor, Action: action,
		Target: target, Detail: detail, PrevHash: prev}
	e.Hash = hashEntry(e)
	return tx.AppendAudit(e)
}

// ErrAuditBroken is wrapped by VerifyAudit's error when the chain breaks.
var ErrAuditBroken = errors.New("audit log broken")

// AuditLog reads entries after seq, oldest first (limit 0: all).
func (h *Hub) AuditLog(ctx context.Context, after uint64, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.AuditEntries(after, limit)
		return err
	})
	return out, err
}

// VerifyAudit recomputes the chain from the first entry and returns the
// number of entries checked, or an error wrapping ErrAuditBroken that
// names the first entry where the log was changed, deleted from or
// reordered. (Cutting entries off the end leaves a valid shorter chain:
// keep a copy of the last hash elsewhere to catch that.)
func (h *Hub) VerifyAudit(ctx context.Context) (int, AuditEntry, error) {
	var last AuditEntry
	n := 0
	prev := auditGenesisHex
	var after uint64
	for {
		page, err := h.AuditLog(ctx, after, 10000)
		if err != nil {
			return n, last, err
		}
		if len(page) == 0 {
			return n, last, nil
		}
		for _, e := range page {
			switch {
			case e.Seq != last.Seq+1:
				return n, last, fmt.Errorf("%w at entry %d: entry %d follows %d (an entry was deleted or renumbered)", ErrAuditBroken, e.Seq, e.Seq, last.Seq)
			case e.PrevHash != prev:
				return n, last, fmt.Errorf("%w at entry %d: it does not follow entry %d (entries deleted or reordered)", ErrAuditBroken, e.Seq, last.Seq)
			case hashEntry(e) != e.Hash:
				return n, last, fmt.Errorf("%w at entry %d (%s %s by %s): its content was changed", ErrAuditBroken, e.Seq, e.Action, e.Target, e.Actor)
			}
			prev, last = e.Hash, e
			n++
		}
		after = last.Seq
	}
}

type actorKey struct{}

// WithActor names who acts in ctx (a logged-in user, the CLI's operator),
// for the audit log.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// actorOf is ctx's actor, or fallback.
func actorOf(ctx context.Context, fallback string) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	if fallback == "" {
		return "unknown"
	}
	return fallback
}
