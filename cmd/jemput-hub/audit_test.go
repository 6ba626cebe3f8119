package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

func TestAuditVerifyCommand(t *testing.T) {
	dir := newHub(t)
	if out := mustHub(t, "audit", "verify", "--data", dir); !strings.Contains(out, "empty") {
		t.Fatalf("fresh hub: %q", out)
	}
	mustHub(t, "device", "code", "--data", dir, "--officer", "Maria Hanyeq", "--by", "ani")
	mustHub(t, "device", "code", "--data", dir, "--officer", "Yakobus Lenjau", "--by", "ani")
	if out := mustHub(t, "audit", "verify", "--data", dir); !strings.Contains(out, "intact: 2 entries") {
		t.Fatalf("two codes made: %q", out)
	}
	if out := mustHub(t, "audit", "list", "--data", dir); !strings.Contains(out, "cli:ani") || !strings.Contains(out, "Maria Hanyeq") {
		t.Fatalf("audit list: %q", out)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE audit SET actor = 'cli:nobody' WHERE seq = 1"); err != nil {
		t.Fatal(err)
	}
	r := runHub(t, "audit", "verify", "--data", dir)
	if r.code != 1 || !strings.Contains(r.err, "entry 1") || strings.Count(strings.TrimSpace(r.err), "\n") != 0 {
		t.Fatalf("tampered log: exit %d, %q; want 1 and one line naming entry 1", r.code, r.err)
	}
}
