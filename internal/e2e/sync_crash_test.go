package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/wilayah"
)

type env struct {
	t        *testing.T
	bin      string
	hubDir   string
	agentDir string
	addr     string
	hub      *exec.Cmd
}

func build(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	cmd := exec.Command("go", "build", "-o", bin+"/", "../../cmd/jemput-agent", "../../cmd/jemput-hub")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

func (e *env) environ() []string {
	return append(os.Environ(), "JEMPUT_PASSPHRASE=e2e-passphrase", "JEMPUT_HUB_DATA="+e.hubDir, "JEMPUT_DATA="+e.agentDir,
		"JEMPUT_SYNC_CHUNK=2048", "HOME="+e.t.TempDir())
}

func (e *env) cmd(name string, args ...string) *exec.Cmd {
	c := exec.Command(filepath.Join(e.bin, name), args...)
	c.Env = e.environ()
	return c
}

// must runs a command to completion and returns its stdout.
func (e *env) must(name string, args ...string) string {
	e.t.Helper()
	var out, errb bytes.Buffer
	c := e.cmd(name, args...)
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		e.t.Fatalf("%s %v: %v\n%s", name, args, err, errb.String())
	}
	return out.String()
}

func (e *env) startHub() {
	e.t.Helper()
	e.hub = e.cmd("jemput-hub", "serve", "--addr", e.addr)
	e.hub.Stderr = &bytes.Buffer{}
	if err := e.hub.Start(); err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if res, err := http.Get("http://" + e.addr + "/healthz"); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("hub did not start: %s", e.hub.Stderr)
}

func (e *env) killHub() {
	e.hub.Process.Signal(syscall.SIGKILL)
	e.hub.Wait()
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestSyncSurvivesKilledProcesses kills the agent mid-sync several times
// and the hub once mid-ingest, then syncs to the end: every record reaches
// the hub exactly once, the laptop's outbox empties, and the hub's
// database passes SQLite's integrity check.
func TestSyncSurvivesKilledProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binaries")
	}
	e := &env{t: t, bin: build(t), hubDir: t.TempDir(), agentDir: t.TempDir(), addr: freeAddr(t)}
	e.must("jemput-hub", "init")
	e.startHub()
	defer e.killHub()
	var code struct{ Code string }
	json.Unmarshal([]byte(e.must("jemput-hub", "device", "code", "--officer", "Petugas E2E", "--json")), &code)
	e.must("jemput-agent", "init", "--officer", "Petugas E2E")
	e.must("jemput-agent", "enroll", "--hub", "http://"+e.addr, "--code", code.Code)

	const n = 1000
	tree, err := wilayah.Load()
	if err != nil {
		t.Fatal(err)
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	gen := synth.New(seed, time.Now(), synth.Villages(tree, "64.11"))
	spec, _ := record.SpecFor(record.KindEKTP)
	var lines bytes.Buffer
	for i := 0; i < n; i++ {
		b, _ := json.Marshal(spec.JSON(gen.EKTP()))
		lines.Write(append(b, '\n'))
	}
	file := filepath.Join(t.TempDir(), "batch.jsonl")
	os.WriteFile(file, lines.Bytes(), 0o600)
	e.must("jemput-agent", "record", "ektp", "--file", file, "--submit")

	// Kill the agent at random moments of its sync, until at least two
	// kills have landed in the middle of an upload (a partial upload file
	// at the hub shows it). Unlocking the store takes ~0.1 s first.
	midUpload, lastSize := 0, int64(0)
	for round := 0; round < 12 && midUpload < 2; round++ {
		c := e.cmd("jemput-agent", "sync", "--quiet")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(100+rng.Intn(400)) * time.Millisecond)
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
		// The partial upload grew during this run and is still partial.
		parts, _ := filepath.Glob(filepath.Join(e.hubDir, "uploads", "*.part"))
		if len(parts) == 1 {
			if fi, err := os.Stat(parts[0]); err == nil && fi.Size() > lastSize {
				midUpload, lastSize = midUpload+1, fi.Size()
			}
		}
	}
	t.Logf("%d agent kills landed mid-upload", midUpload)
	if midUpload == 0 {
		t.Fatal("no kill landed mid-upload: the test proved nothing")
	}
	// Kill the hub while a sync is under way, and the agent with it.
	c := e.cmd("jemput-agent", "sync", "--quiet")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Duration(50+rng.Intn(200)) * time.Millisecond)
	e.killHub()
	c.Process.Signal(syscall.SIGKILL)
	c.Wait()
	e.startHub()

	out := e.must("jemput-agent", "sync", "--json")
	t.Logf("final sync: %s", strings.TrimSpace(out))
	var status struct {
		PendingOps uint64 `json:"pending_ops"`
		Outbox     int    `json:"outbox_bundles"`
	}
	json.Unmarshal([]byte(e.must("jemput-agent", "status", "--json")), &status)
	if status.PendingOps != 0 || status.Outbox != 0 {
		t.Fatalf("after the final sync: %d ops pending, %d bundles in the outbox", status.PendingOps, status.Outbox)
	}
	var recs []struct{ ID, Status string }
	json.Unmarshal([]byte(e.must("jemput-hub", "records", "--json")), &recs)
	ids := map[string]bool{}
	for _, r := range recs {
		if ids[r.ID] {
			t.Fatalf("record %s twice at the hub", r.ID)
		}
		ids[r.ID] = true
		if r.Status != "received" {
			t.Fatalf("record %s is %s, want received", r.ID, r.Status)
		}
	}
	if len(ids) != n {
		t.Fatalf("hub holds %d records, want exactly %d", len(ids), n)
	}
	e.killHub()
	db, err := sql.Open("sqlite", filepath.Join(e.hubDir, "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("hub.db integrity: %q %v", ok, err)
	}
}
