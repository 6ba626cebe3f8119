package hub_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/record"
)

// auditedHub is a hub whose database file the test can also edit
// directly, as someone with access to the server could.
func auditedHub(t *testing.T) (*fixture, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	id := newIdentity(t)
	c := &clock{t: t0}
	h, err := hub.New(context.Background(), st, hub.Config{Identity: id, Regions: regions(t), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ctx: hub.WithActor(context.Background(), "cli:ani"), h: h, st: st, hubID: id, clock: c}
	// Enrolment code, enrolment, a sync, an edit, a decision, a revocation.
	dev := f.enrol(t, "Petugas")
	c1 := dev.create(t, record.KindEKTP, ektpFields(t, 1))
	f.ingest(t, f.seal(t, dev, c1, dev.submit(c1)))
	if _, err := h.Edit(f.ctx, c1.RecordID, record.Fields{"occupation": "Guru"}, "ani"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Decide(f.ctx, c1.RecordID, record.StatusApproved, "", nil, "ani"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Revoke(f.ctx, dev.id); err != nil {
		t.Fatal(err)
	}
	return f, path
}

func TestAuditRecordsEveryAction(t *testing.T) {
	f, _ := auditedHub(t)
	entries, err := f.h.AuditLog(f.ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" by "+e.Actor)
	}
	got := strings.Join(actions, "; ")
	for _, want := range []string{"enrol_code by cli:ani", "enrol by device:", "edit by cli:ani", "decide by cli:ani", "revoke by cli:ani"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit log %q lacks %q", got, want)
		}
	}
	if n, _, err := f.h.VerifyAudit(f.ctx); err != nil || n != len(entries) {
		t.Fatalf("clean log: %d entries checked, %v", n, err)
	}
	// A refused action leaves no entry.
	if _, err := f.h.Decide(f.ctx, entries[0].Target, record.StatusRejected, "", nil, "ani"); err == nil {
		t.Fatal("decision without a reason accepted")
	}
	if after, _ := f.h.AuditLog(f.ctx, 0, 0); len(after) != len(entries) {
		t.Fatalf("a refused action was audited: %d entries, want %d", len(after), len(entries))
	}
}

// Any single changed, deleted or reordered row is found, at that row.
func TestAuditVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		sql    string
		atSeq  string
		reason string
	}{
		{"changed detail", "UPDATE audit SET detail = 'approved, nothing to see' WHERE seq = 4", "entry 4", "changed"},
		{"changed actor", "UPDATE audit SET actor = 'cli:someone-else' WHERE seq = 2", "entry 2", "changed"},
		{"changed time", "UPDATE audit SET at = at + 1 WHERE seq = 3", "entry 3", "changed"},
		{"deleted row", "DELETE FROM audit WHERE seq = 3", "entry 4", "deleted"},
		{"deleted and renumbered", "DELETE FROM audit WHERE seq = 3; UPDATE audit SET seq = seq - 1 WHERE seq > 3", "entry 3", "deleted or reordered"},
		{"reordered", `UPDATE audit SET seq = -1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = -1`, "entry 2", "reordered"},
		{"rehashed row", "UPDATE audit SET detail = 'x', hash = 'aaaa' WHERE seq = 2", "entry 2", "changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, path := auditedHub(t)
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, q := range strings.Split(tt.sql, ";") {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			_, _, err = f.h.VerifyAudit(f.ctx)
			if !errors.Is(err, hub.ErrAuditBroken) || !strings.Contains(err.Error(), tt.atSeq) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("verify: %v; want ErrAuditBroken at %s (%s)", err, tt.atSeq, tt.reason)
			}
		})
	}
}

func TestFailedLoginDoesNotLogTypedNames(t *testing.T) {
	f, _ := auditedHub(t)
	if _, err := f.h.AddUser(f.ctx, "ani", hub.RoleOperator, "", "sandi-rahasia-123"); err != nil {
		t.Fatal(err)
	}
	f.h.Login(f.ctx, "my-secret-password-9", "x", "10.0.0.1") // a password in the name box
	f.h.Login(f.ctx, "ani", "wrong-password-1", "10.0.0.1")
	entries, _ := f.h.AuditLog(f.ctx, 0, 0)
	var fails []string
	for _, e := range entries {
		if strings.Contains(e.Target+e.Detail, "my-secret-password-9") {
			t.Fatalf("the typed name is in the audit log: %+v", e)
		}
		if e.Action == hub.AuditLoginFail {
			fails = append(fails, e.Target)
		}
	}
	if strings.Join(fails, ",") != "(no such user),ani" {
		t.Fatalf("failed logins audited as %v", fails)
	}
}
