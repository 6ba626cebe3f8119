package main

import (
	"strings"
	"testing"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/password"
)

func init() {
	// Tests need no production-strength hashing.
	hub.PasswordParams = password.Params{Time: 1, Memory: 1024, Threads: 1}
}

func TestUserAdd(t *testing.T) {
	dir := newHub(t)
	env := map[string]string{"JEMPUT_USER_PASSWORD": "sandi-operator-1"}
	r := runHubEnv(t, env, "user", "add", "--data", dir, "--name", "ani", "--role", "operator", "--region", "64.11")
	if r.code != 0 || !strings.Contains(r.out, "ani added: operator, 64.11") {
		t.Fatalf("user add: %d %q %q", r.code, r.out, r.err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		msg  string
	}{
		{"twice", []string{"--name", "ani", "--role", "operator"}, env, 1, "already exists"},
		{"bad role", []string{"--name", "budi", "--role", "king"}, env, 1, "role"},
		{"bad region", []string{"--name", "budi", "--role", "supervisor", "--region", "99.99"}, env, 1, "region"},
		{"short password", []string{"--name", "budi", "--role", "admin"}, map[string]string{"JEMPUT_USER_PASSWORD": "pendek"}, 1, "at least"},
		{"no password", []string{"--name", "budi", "--role", "admin"}, map[string]string{}, 1, "no password"},
		{"name with markup", []string{"--name", "<b>", "--role", "admin"}, env, 1, "user name"},
		{"missing role", []string{"--name", "budi"}, env, 2, "--role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runHubEnv(t, tt.env, append([]string{"user", "add", "--data", dir}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.err, tt.msg) {
				t.Fatalf("exit %d %q; want %d mentioning %q", r.code, r.err, tt.code, tt.msg)
			}
		})
	}
	if out := mustHub(t, "audit", "list", "--data", dir); !strings.Contains(out, "user_add") {
		t.Fatalf("user add not audited: %q", out)
	}
}

func TestInitMakesAdmin(t *testing.T) {
	dir := t.TempDir() + "/hub"
	r := runHubEnv(t, map[string]string{"JEMPUT_ADMIN_PASSWORD": "sandi-admin-123"}, "init", "--data", dir)
	if r.code != 0 || !strings.Contains(r.out, "Web login: admin") {
		t.Fatalf("init: %d %q %q", r.code, r.out, r.err)
	}
	if out := mustHub(t, "audit", "list", "--data", dir); !strings.Contains(out, "admin, all regions") {
		t.Fatalf("admin not created: %q", out)
	}
}
