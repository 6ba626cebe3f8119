package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const agentPass = "kata-sandi-uji-123"

// binDir holds the real binaries, built at most once per test run.
var (
	binDir  string
	binOnce sync.Once
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBinaries compiles jemput-agent and jemput-hub into one directory and
// returns it.
func buildBinaries(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "jemput-hub-test-bin")
		if binErr != nil {
			return
		}
		var errb bytes.Buffer
		cmd := exec.Command("go", "build", "-o", binDir+string(filepath.Separator), "../jemput-agent", ".")
		cmd.Stderr = &errb
		if err := cmd.Run(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, errb.String())
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binDir
}

type result struct {
	out, err string
	code     int
}

// hubEnv is the environment the in-process hub sees: nothing from the
// test's own environment leaks in.
var hubEnv = map[string]string{"JEMPUT_OPERATOR": "Operator Uji"}

// runHub runs one hub command in process.
func runHub(t testing.TB, args ...string) result {
	t.Helper()
	return runHubEnv(t, hubEnv, args...)
}

func runHubEnv(t testing.TB, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }})
	return result{out.String(), errb.String(), code}
}

// mustHub runs a hub command that must succeed and returns its stdout.
func mustHub(t testing.TB, args ...string) string {
	t.Helper()
	r := runHub(t, args...)
	if r.code != 0 {
		t.Fatalf("jemput-hub %v: exit %d\n%s", args, r.code, r.err)
	}
	return r.out
}

// hubJSON runs a hub command with --json and decodes its output into v.
func hubJSON(t testing.TB, v any, args ...string) {
	t.Helper()
	out := mustHub(t, append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("jemput-hub %v --json is not JSON: %v\n%s", args, err, out)
	}
}

// newHub makes an initialised hub in a temp dir.
func newHub(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "hub")
	mustHub(t, "init", "--data", dir)
	return dir
}

// lockedBuffer is a bytes.Buffer safe for a server goroutine writing while
// the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servingRE = regexp.MustCompile(`serving on (http://\S+)`)

// serveHub runs `jemput-hub serve` in process on a free port and returns its
// URL; the server stops (and must exit 0) when the test ends.
func serveHub(t testing.TB, dir string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"},
			stdio{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return hubEnv[k] }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d after cancel\n%s", code, errb.String())
			}
		case <-time.After(15 * time.Second):
			t.Errorf("serve did not stop within 15 s of cancel")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRE.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("serve exited %d before serving\n%s", code, errb.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve printed no URL within 10 s: out %q err %q", out.String(), errb.String())
	return ""
}

// agent runs the real jemput-agent binary on one data dir.
type agent struct {
	t   testing.TB
	bin string
	dir string
}

func newAgent(t testing.TB, officer string) *agent {
	t.Helper()
	a := &agent{t: t, bin: filepath.Join(buildBinaries(t), "jemput-agent"), dir: filepath.Join(t.TempDir(), "laptop")}
	a.must("init", "--officer", officer)
	return a
}

func (a *agent) cmd(extraEnv []string, args ...string) *exec.Cmd {
	c := exec.Command(a.bin, append(args, "--data", a.dir)...)
	c.Env = append(os.Environ(), "JEMPUT_PASSPHRASE="+agentPass, "JEMPUT_LANG=en", "HOME="+a.dir+"-home")
	c.Env = append(c.Env, extraEnv...)
	return c
}

func (a *agent) run(args ...string) result {
	a.t.Helper()
	var out, errb bytes.Buffer
	c := a.cmd(nil, args...)
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			a.t.Fatalf("jemput-agent %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

func (a *agent) must(args ...string) string {
	a.t.Helper()
	r := a.run(args...)
	if r.code != 0 {
		a.t.Fatalf("jemput-agent %v: exit %d\n%s", args, r.code, r.err)
	}
	return r.out
}

func (a *agent) json(v any, args ...string) {
	a.t.Helper()
	out := a.must(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		a.t.Fatalf("jemput-agent %v --json is not JSON: %v\n%s", args, err, out)
	}
}

type agentStatus struct {
	DeviceID   string `json:"device_id"`
	PendingOps uint64 `json:"pending_ops"`
	Outbox     int    `json:"outbox_bundles"`
	Records    int    `json:"records"`
}

func (a *agent) status() agentStatus {
	a.t.Helper()
	var st agentStatus
	a.json(&st, "status")
	return st
}

// enroll gets a code from the hub and enrols the agent over HTTP.
func (a *agent) enroll(hubDir, url, officer string) {
	a.t.Helper()
	var code struct{ Code string }
	hubJSON(a.t, &code, "device", "code", "--data", hubDir, "--officer", officer)
	a.must("enroll", "--hub", url, "--code", code.Code)
}

const ektpFixture = "../../internal/record/testdata/ektp.json"

type hubSummary struct {
	ID       string   `json:"id"`
	Kind     string   `json:"kind"`
	Status   string   `json:"status"`
	Name     string   `json:"name"`
	Flags    []string `json:"flags"`
	DeviceID string   `json:"device_id"`
}

func hubRecords(t testing.TB, dir string, args ...string) []hubSummary {
	t.Helper()
	var rs []hubSummary
	hubJSON(t, &rs, append([]string{"records", "--data", dir}, args...)...)
	return rs
}

type hubDevice struct {
	ID         string `json:"id"`
	Officer    string `json:"officer"`
	Revoked    bool   `json:"revoked"`
	AppliedSeq uint64 `json:"applied_seq"`
}

func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hub")
	r := runHub(t, "init", "--data", dir)
	if r.code != 0 {
		t.Fatalf("init: exit %d %s", r.code, r.err)
	}
	if !strings.Contains(r.out, "Key fingerprint") {
		t.Errorf("init output has no fingerprint: %q", r.out)
	}
	fi, err := os.Stat(keyPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("hub.key mode %v, want 0600", fi.Mode().Perm())
	}
	if fi.Size() == 0 {
		t.Error("hub.key is empty")
	}
	if fi, err := os.Stat(dbPath(dir)); err != nil {
		t.Fatalf("hub.db: %v", err)
	} else if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("hub.db mode %v: others may read it", fi.Mode().Perm())
	}
	if _, err := os.Stat(keyPath(dir) + ".tmp"); err == nil {
		t.Error("init left hub.key.tmp behind")
	}
	key, _ := os.ReadFile(keyPath(dir))

	r = runHub(t, "init", "--data", dir)
	if r.code != 1 {
		t.Fatalf("second init: exit %d, want 1 (%q)", r.code, r.err)
	}
	if !strings.Contains(r.err, "already exists") || strings.Count(strings.TrimRight(r.err, "\n"), "\n") != 0 {
		t.Errorf("second init: want one line saying the hub exists, got %q", r.err)
	}
	again, _ := os.ReadFile(keyPath(dir))
	if !bytes.Equal(key, again) {
		t.Fatal("second init changed hub.key")
	}

	var j struct {
		KeyFingerprint string `json:"key_fingerprint"`
	}
	dir2 := filepath.Join(t.TempDir(), "hub2")
	hubJSON(t, &j, "init", "--data", dir2)
	if j.KeyFingerprint == "" {
		t.Errorf("init --json has no key_fingerprint")
	}
	// JEMPUT_HUB_DATA is the default for --data.
	dir3 := filepath.Join(t.TempDir(), "hub3")
	r = runHubEnv(t, map[string]string{"JEMPUT_HUB_DATA": dir3}, "init")
	if r.code != 0 || !exists(keyPath(dir3)) {
		t.Fatalf("init with JEMPUT_HUB_DATA: exit %d %s", r.code, r.err)
	}
}

// TestInitRejectsPositionalDir: `jemput-hub init /srv/jemput` (the data dir
// given without --data) must not silently create the hub somewhere else.
func TestInitRejectsPositionalDir(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	target := filepath.Join(t.TempDir(), "srv")
	r := runHub(t, "init", target)
	if r.code == 2 && !exists(filepath.Join(wd, "jemput-hub-data")) {
		return
	}
	t.Fatalf("`jemput-hub init DIR` exits %d and creates the hub in ./jemput-hub-data (exists: %v), not in DIR",
		r.code, exists(filepath.Join(wd, "jemput-hub-data")))
}

func TestCommandsWithoutHub(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nothing-here")
	file := filepath.Join(t.TempDir(), "export.bin")
	os.WriteFile(file, []byte("x"), 0o600)
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0"},
		{"device", "code", "--officer", "Maria"},
		{"device", "list"},
		{"device", "list", "--json"},
		{"device", "revoke", "some-device"},
		{"import", file},
		{"records"},
		{"records", "--json"},
		{"show", "7KQ4-MRT9-XHA2"},
		{"edit", "7KQ4-MRT9-XHA2", "address=x"},
		{"decide", "7KQ4-MRT9-XHA2", "approve"},
		{"duplicate", "a", "b", "same"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			r := runHub(t, append(args, "--data", dir)...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1 (%q)", r.code, r.err)
			}
			if !strings.Contains(r.err, "jemput-hub init") || strings.Count(strings.TrimRight(r.err, "\n"), "\n") != 0 {
				t.Errorf("want one line naming `jemput-hub init`, got %q", r.err)
			}
			if r.out != "" {
				t.Errorf("stdout %q, want nothing", r.out)
			}
			if exists(dir) {
				t.Errorf("the command created %s", dir)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	cmds := [][]string{{"device", "code"}, {"device", "list"}, {"device", "revoke"}}
	for _, c := range commands() {
		cmds = append(cmds, []string{c.name})
	}
	for _, c := range cmds {
		for _, h := range []string{"--help", "-h"} {
			t.Run(strings.Join(c, "_")+h, func(t *testing.T) {
				if c[0] == "device" && len(c) == 1 {
					r := runHub(t, "device", h)
					if r.code != 0 {
						t.Fatalf("`jemput-hub device %s` exits %d (%q), want 0", h, r.code, strings.TrimSpace(r.err))
					}
					return
				}
				// Help needs no hub: it works in an empty dir.
				r := runHub(t, append(c, h, "--data", filepath.Join(t.TempDir(), "none"))...)
				if r.code != 0 {
					t.Fatalf("exit %d, want 0 (%q)", r.code, r.err)
				}
				if !strings.HasPrefix(r.out, "Usage: jemput-hub "+strings.Join(c, " ")) || !strings.Contains(r.out, "-data") {
					t.Errorf("help output %q", r.out)
				}
				if strings.Count(r.out, "Usage:") != 1 {
					t.Errorf("usage printed %d times", strings.Count(r.out, "Usage:"))
				}
				if r.err != "" {
					t.Errorf("stderr %q, want nothing", r.err)
				}
			})
		}
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := runHub(t, args...)
		if r.code != 0 || !strings.Contains(r.out, "Commands:") {
			t.Errorf("%v: exit %d out %q", args, r.code, r.out)
		}
		for _, c := range commands() {
			if !strings.Contains(r.out, "  "+c.name+" ") {
				t.Errorf("%v: command %s not listed", args, c.name)
			}
		}
	}
	if r := runHub(t); r.code != 2 || !strings.Contains(r.out, "Commands:") {
		t.Errorf("no arguments: exit %d, want 2 with the usage", r.code)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := newHub(t)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown flag", []string{"records", "--nope"}, 2, "nope"},
		{"flag without value", []string{"records", "--status"}, 2, "status"},
		{"bad status", []string{"records", "--status", "bogus"}, 2, "bogus"},
		{"bad flag name", []string{"records", "--flag", "bogus"}, 2, "bogus"},
		{"bad kind", []string{"records", "--kind", "passport"}, 2, "passport"},
		{"bad limit", []string{"records", "--limit", "many"}, 2, "limit"},
		{"device alone", []string{"device"}, 2, "subcommand"},
		{"device unknown", []string{"device", "frob"}, 2, "frob"},
		{"device code without officer", []string{"device", "code"}, 2, "--officer"},
		{"device code blank officer", []string{"device", "code", "--officer", "  "}, 2, "--officer"},
		{"device code unknown region", []string{"device", "code", "--officer", "Maria", "--villages", "99.99"}, 1, "99.99"},
		{"device code one bad region", []string{"device", "code", "--officer", "Maria", "--villages", "64.11.03.2002,99.99"}, 1, "99.99"},
		{"device revoke no id", []string{"device", "revoke"}, 2, "device ID"},
		{"device revoke unknown", []string{"device", "revoke", "no-such-device"}, 1, ""},
		{"import no file", []string{"import"}, 2, "FILE"},
		{"import missing file", []string{"import", filepath.Join(dir, "missing.bin")}, 1, "missing.bin"},
		{"show no id", []string{"show"}, 2, "ID"},
		{"show unknown", []string{"show", "7KQ4-MRT9-XHA2"}, 1, ""},
		{"edit no field", []string{"edit", "7KQ4-MRT9-XHA2"}, 2, "field=value"},
		{"decide no outcome", []string{"decide", "7KQ4-MRT9-XHA2"}, 2, "approve"},
		{"decide bad outcome", []string{"decide", "7KQ4-MRT9-XHA2", "maybe"}, 2, "maybe"},
		{"duplicate bad verdict", []string{"duplicate", "a", "b", "maybe"}, 2, "same or different"},
		{"serve bad addr", []string{"serve", "--addr", "256.0.0.1:notaport"}, 1, "listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runHub(t, append(tt.args, "--data", dir)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", r.code, tt.code, r.err)
			}
			if !strings.Contains(r.err, tt.want) {
				t.Errorf("stderr %q does not mention %q", r.err, tt.want)
			}
			if r.err == "" || strings.Count(strings.TrimRight(r.err, "\n"), "\n") != 0 {
				t.Errorf("want a one-line reason on stderr, got %q", r.err)
			}
		})
	}
	// No enrolment code was made by the failed attempts above... and one is
	// made by a correct call.
	var dev []hubDevice
	hubJSON(t, &dev, "device", "list", "--data", dir)
	if len(dev) != 0 {
		t.Fatalf("devices after usage errors: %v", dev)
	}
}

var codeRE = regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$`)

func TestDeviceCodeAndEmptyList(t *testing.T) {
	dir := newHub(t)
	var c struct {
		Code      string    `json:"code"`
		Officer   string    `json:"officer"`
		Villages  []string  `json:"villages"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	hubJSON(t, &c, "device", "code", "--data", dir, "--officer", " Maria Hanyeq ", "--villages", "64.11.03.2002, 64.11.01")
	if !codeRE.MatchString(c.Code) {
		t.Errorf("code %q is not XXXX-XXXX-XXXX", c.Code)
	}
	if c.Officer != "Maria Hanyeq" || len(c.Villages) != 2 || c.Villages[1] != "64.11.01" {
		t.Errorf("code for %q %v", c.Officer, c.Villages)
	}
	if d := time.Until(c.ExpiresAt); d < 6*24*time.Hour || d > 8*24*time.Hour {
		t.Errorf("code expires in %v, want about 7 days", d)
	}
	out := mustHub(t, "device", "code", "--data", dir, "--officer", "Maria")
	if !strings.Contains(out, "jemput-agent enroll") {
		t.Errorf("device code text output: %q", out)
	}
	// Codes are not devices: the list stays empty, and is [] not null.
	out = mustHub(t, "device", "list", "--data", dir, "--json")
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("device list --json on a fresh hub: %q, want []", out)
	}
	if out := mustHub(t, "records", "--data", dir, "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("records --json on a fresh hub: %q, want []", out)
	}
	if out := mustHub(t, "records", "--data", dir); !strings.Contains(out, "0 record(s)") {
		t.Errorf("records on a fresh hub: %q", out)
	}
}

// TestFlowWithRealAgent: a real agent enrols at an in-process hub, captures,
// syncs; the operator edits and decides at the hub; the decision reaches the
// laptop at its next sync; revoking the device locks it out.
func TestFlowWithRealAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the real agent")
	}
	hubDir := newHub(t)
	url := serveHub(t, hubDir)
	a := newAgent(t, "Yakobus Lenjau")
	a.enroll(hubDir, url, "Yakobus Lenjau")

	var devs []hubDevice
	hubJSON(t, &devs, "device", "list", "--data", hubDir)
	st := a.status()
	if len(devs) != 1 || devs[0].ID != st.DeviceID || devs[0].Officer != "Yakobus Lenjau" || devs[0].Revoked {
		t.Fatalf("device list after enrolment: %+v (agent %s)", devs, st.DeviceID)
	}
	if out := mustHub(t, "device", "list", "--data", hubDir); !strings.Contains(out, st.DeviceID) || !strings.Contains(out, "active") {
		t.Errorf("device list: %q", out)
	}

	a.must("record", "ektp", "--file", ektpFixture, "--submit")
	a.must("sync", "--quiet")
	if st := a.status(); st.PendingOps != 0 || st.Outbox != 0 {
		t.Fatalf("after sync: %+v", st)
	}
	rs := hubRecords(t, hubDir)
	if len(rs) != 1 || rs[0].Status != "received" || rs[0].Kind != "ektp" || rs[0].DeviceID != st.DeviceID || len(rs[0].Flags) != 0 {
		t.Fatalf("hub records after sync: %+v", rs)
	}
	id := rs[0].ID
	if got := hubRecords(t, hubDir, "--status", "received"); len(got) != 1 {
		t.Errorf("--status received: %d records", len(got))
	}
	if got := hubRecords(t, hubDir, "--status", "approved"); len(got) != 0 {
		t.Errorf("--status approved: %d records", len(got))
	}
	if got := hubRecords(t, hubDir, "--flag", "conflict"); len(got) != 0 {
		t.Errorf("--flag conflict: %d records", len(got))
	}

	type shown struct {
		ID           string         `json:"id"`
		Status       string         `json:"status"`
		TrackingCode string         `json:"tracking_code"`
		Fields       map[string]any `json:"fields"`
		Decision     *struct {
			Outcome            string `json:"outcome"`
			RegistrationNumber string `json:"registration_number"`
		} `json:"decision"`
		History []json.RawMessage `json:"history"`
	}
	var s shown
	hubJSON(t, &s, "show", "--data", hubDir, id)
	if s.ID != id || s.Fields["full_name"] != "Siti Aminah" || s.Status != "received" || len(s.History) != 2 {
		t.Fatalf("show --json: %+v", s)
	}
	// By tracking code, with or without dashes, in text.
	if out := mustHub(t, "show", "--data", hubDir, s.TrackingCode); !strings.Contains(out, "Siti Aminah") || !strings.Contains(out, "history:") {
		t.Errorf("show by tracking code: %q", out)
	}

	// An operator's fix with quotes and markup is stored verbatim.
	const addr = `Jl. O'Brien <script>`
	r := runHub(t, "edit", "--data", hubDir, id, "address="+addr, "--json")
	if r.code != 0 {
		t.Fatalf("edit: %d %s", r.code, r.err)
	}
	if strings.Contains(r.out, "&lt;") || strings.Contains(r.out, "&#39;") || strings.Contains(r.out, "&amp;") {
		t.Errorf("edit --json HTML-escaped the value: %s", r.out)
	}
	var edited shown
	if err := json.Unmarshal([]byte(r.out), &edited); err != nil || edited.Fields["address"] != addr {
		t.Fatalf("edit --json address %q (%v)", edited.Fields["address"], err)
	}
	hubJSON(t, &s, "show", "--data", hubDir, id)
	if s.Fields["address"] != addr {
		t.Fatalf("show after edit: address %q, want %q", s.Fields["address"], addr)
	}
	if r := runHub(t, "edit", "--data", hubDir, id, "sex=X"); r.code != 1 || !strings.Contains(r.err, "nothing was changed") {
		t.Errorf("edit sex=X: exit %d %q", r.code, r.err)
	}
	if r := runHub(t, "edit", "--data", hubDir, id, "no_such_field=1"); r.code == 0 {
		t.Errorf("edit of an unknown field succeeded: %q", r.out)
	}
	hubJSON(t, &s, "show", "--data", hubDir, id)
	if s.Fields["sex"] != "P" || s.Fields["address"] != addr {
		t.Errorf("a refused edit changed the record: sex %v address %v", s.Fields["sex"], s.Fields["address"])
	}

	// Decisions.
	r = runHub(t, "decide", "--data", hubDir, id, "reject")
	if r.code != 2 || !strings.Contains(r.err, "--reason") {
		t.Fatalf("reject without --reason: exit %d %q", r.code, r.err)
	}
	if r := runHub(t, "decide", "--data", hubDir, id, "correct"); r.code != 2 {
		t.Errorf("correct without --reason: exit %d", r.code)
	}
	hubJSON(t, &s, "show", "--data", hubDir, id)
	if s.Status != "received" || s.Decision != nil {
		t.Fatalf("a refused decision changed the record: %s %+v", s.Status, s.Decision)
	}
	out := mustHub(t, "decide", "--data", hubDir, id, "approve")
	m := regexp.MustCompile(`registration number (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("approve printed no registration number: %q", out)
	}
	hubJSON(t, &s, "show", "--data", hubDir, id)
	if s.Status != "approved" || s.Decision == nil || s.Decision.RegistrationNumber != m[1] {
		t.Fatalf("after approve: %s %+v", s.Status, s.Decision)
	}
	if r := runHub(t, "decide", "--data", hubDir, id, "reject", "--reason", "terlambat"); r.code != 1 {
		t.Errorf("rejecting an approved record: exit %d, want 1 (%q)", r.code, r.err)
	}

	// The laptop hears of the decision and the fix.
	a.must("sync", "--quiet")
	var as struct {
		Status   string         `json:"status"`
		Fields   map[string]any `json:"fields"`
		Decision *struct {
			RegistrationNumber string `json:"registration_number"`
		} `json:"decision"`
	}
	a.json(&as, "show", id)
	if as.Status != "approved" {
		t.Fatalf("agent status %q, want approved", as.Status)
	}
	if as.Decision == nil || as.Decision.RegistrationNumber != m[1] {
		t.Errorf("agent decision %+v, want registration number %s", as.Decision, m[1])
	}
	// Approved: the laptop keeps the status and the number, and drops the
	// personal data (the hub's address fix included).
	if _, ok := as.Fields["address"]; ok || as.Fields["full_name"] != nil {
		t.Errorf("agent still holds personal data after approval: %v", as.Fields)
	}

	// Revocation.
	out = mustHub(t, "device", "revoke", "--data", hubDir, st.DeviceID)
	if !strings.Contains(out, "Revoked "+st.DeviceID) {
		t.Errorf("revoke: %q", out)
	}
	hubJSON(t, &devs, "device", "list", "--data", hubDir)
	if len(devs) != 1 || !devs[0].Revoked {
		t.Fatalf("device list after revoke: %+v", devs)
	}
	if out := mustHub(t, "device", "list", "--data", hubDir); !strings.Contains(out, "revoked") {
		t.Errorf("device list text after revoke: %q", out)
	}
	if r := a.run("sync", "--quiet"); r.code != 1 || !strings.Contains(strings.ToLower(r.err), "revoked") {
		t.Errorf("sync of a revoked laptop: exit %d %q", r.code, r.err)
	}
}

// TestSneakernet: a laptop's export file goes through `jemput-hub import`
// and its return file back to the laptop; a damaged file changes nothing;
// a second import of the same file is recognised.
func TestSneakernet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the real agent")
	}
	hubDir := newHub(t)
	url := serveHub(t, hubDir)
	a := newAgent(t, "Maria Hanyeq")
	a.enroll(hubDir, url, "Maria Hanyeq")
	a.must("record", "ektp", "--file", ektpFixture, "--submit")
	if st := a.status(); st.PendingOps == 0 {
		t.Fatal("nothing pending after record")
	}
	tmp := t.TempDir()
	export := filepath.Join(tmp, "jemput-export.bin")
	a.must("export", "--out", export)
	data, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}

	// A tampered copy: one byte flipped in the middle.
	bad := bytes.Clone(data)
	bad[len(bad)/2] ^= 0x01
	badFile := filepath.Join(tmp, "tampered.bin")
	os.WriteFile(badFile, bad, 0o600)
	before := len(hubRecords(t, hubDir))
	badRet := filepath.Join(tmp, "bad-return.bin")
	r := runHub(t, "import", "--data", hubDir, badFile, "--out", badRet)
	if r.code != 1 || !strings.Contains(r.err, "nothing was imported") {
		t.Fatalf("tampered import: exit %d %q", r.code, r.err)
	}
	if n := len(hubRecords(t, hubDir)); n != before {
		t.Fatalf("tampered import changed the record count: %d -> %d", before, n)
	}
	if exists(badRet) {
		t.Error("a failed import wrote a return file")
	}
	// A truncated copy and an empty file are refused too.
	for name, b := range map[string][]byte{"truncated": data[:len(data)-7], "empty": {}} {
		f := filepath.Join(tmp, name+".bin")
		os.WriteFile(f, b, 0o600)
		if r := runHub(t, "import", "--data", hubDir, f); r.code != 1 || !strings.Contains(r.err, "nothing was imported") {
			t.Errorf("%s import: exit %d %q", name, r.code, r.err)
		}
	}
	if n := len(hubRecords(t, hubDir)); n != before {
		t.Fatalf("refused imports changed the record count: %d -> %d", before, n)
	}

	ret := filepath.Join(tmp, "jemput-return.bin")
	r = runHub(t, "import", "--data", hubDir, export, "--out", ret)
	if r.code != 0 || !strings.Contains(r.out, "applied") || strings.Contains(r.out, "imported before") {
		t.Fatalf("import: exit %d\n%s%s", r.code, r.out, r.err)
	}
	if fi, err := os.Stat(ret); err != nil || fi.Size() == 0 {
		t.Fatalf("return file: %v", err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("return file mode %v, want 0600", fi.Mode().Perm())
	}
	rs := hubRecords(t, hubDir)
	if len(rs) != before+1 || rs[0].Status != "received" {
		t.Fatalf("hub records after import: %+v", rs)
	}

	r = runHub(t, "import", "--data", hubDir, export, "--json")
	if r.code != 0 {
		t.Fatalf("second import: exit %d %s", r.code, r.err)
	}
	r = runHub(t, "import", "--data", hubDir, export)
	if r.code != 0 || !strings.Contains(r.out, "imported before") {
		t.Fatalf("third import: exit %d, want a note that it was imported before:\n%s%s", r.code, r.out, r.err)
	}
	if n := len(hubRecords(t, hubDir)); n != before+1 {
		t.Fatalf("re-import changed the record count: %d", n)
	}

	a.must("import", ret)
	if st := a.status(); st.PendingOps != 0 || st.Outbox != 0 {
		t.Fatalf("agent after importing the return file: %+v", st)
	}
	// Nothing is left to export.
	if out := a.must("export", "--out", filepath.Join(tmp, "again.bin")); !strings.Contains(out, "Nothing") {
		t.Errorf("export after the return file: %q", out)
	}
	// A hub decision travels back in the next return file.
	mustHub(t, "decide", "--data", hubDir, rs[0].ID, "correct", "--reason", "foto buram", "--fields", "biometrics.photo")
	a.must("record", "birth", "--file", "../../internal/record/testdata/birth.json")
	export2 := filepath.Join(tmp, "export2.bin")
	a.must("export", "--out", export2)
	ret2 := filepath.Join(tmp, "return2.bin")
	mustHub(t, "import", "--data", hubDir, export2, "--out", ret2)
	a.must("import", ret2)
	var as struct {
		Status string `json:"status"`
	}
	a.json(&as, "show", rs[0].ID)
	if as.Status != "needs_correction" {
		t.Errorf("agent status after the second return file: %q, want needs_correction", as.Status)
	}
	// An export file is not a return file: the laptop refuses it.
	if r := a.run("import", badFile); r.code != 1 {
		t.Errorf("agent import of an export file: exit %d", r.code)
	}
}
