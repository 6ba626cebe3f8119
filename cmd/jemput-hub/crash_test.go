package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/wilayah"
)

const crashRecords = 400

// hubProc is `jemput-hub serve` running as a real process.
type hubProc struct {
	t    *testing.T
	bin  string
	dir  string
	addr string
	cmd  *exec.Cmd
	errb *lockedBuffer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs serve and waits for its "serving on" line.
func (h *hubProc) start() {
	h.t.Helper()
	h.cmd = exec.Command(h.bin, "serve", "--data", h.dir, "--addr", h.addr)
	h.cmd.Env = append(os.Environ(), "HOME="+h.dir)
	h.errb = &lockedBuffer{}
	h.cmd.Stderr = h.errb
	stdout, err := h.cmd.StdoutPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case line <- sc.Text():
			default:
			}
		}
		close(line)
	}()
	select {
	case l, ok := <-line:
		if !ok || !strings.Contains(l, "serving on http://"+h.addr) {
			h.cmd.Wait()
			h.t.Fatalf("hub did not start: %q\n%s", l, h.errb.String())
		}
	case <-time.After(10 * time.Second):
		h.kill()
		h.t.Fatalf("hub printed nothing in 10 s\n%s", h.errb.String())
	}
}

func (h *hubProc) kill() {
	if h.cmd == nil || h.cmd.Process == nil {
		return
	}
	h.cmd.Process.Signal(syscall.SIGKILL)
	h.cmd.Wait()
	h.cmd = nil
}

// crashSetup: a hub process with an enrolled agent holding crashRecords
// submitted ektp records, none synced yet.
func crashSetup(t *testing.T) (*hubProc, *agent, *rand.Rand) {
	t.Helper()
	bins := buildBinaries(t)
	h := &hubProc{t: t, bin: filepath.Join(bins, "jemput-hub"), dir: filepath.Join(t.TempDir(), "hub"), addr: freeAddr(t)}
	mustHub(t, "init", "--data", h.dir)
	h.start()
	t.Cleanup(h.kill)

	a := newAgent(t, "Petugas Uji")
	a.enroll(h.dir, "http://"+h.addr, "Petugas Uji")

	tree, err := wilayah.Load()
	if err != nil {
		t.Fatal(err)
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	gen := synth.New(seed, time.Now(), synth.Villages(tree, "64.11"))
	spec, err := record.SpecFor(record.KindEKTP)
	if err != nil {
		t.Fatal(err)
	}
	var lines bytes.Buffer
	for i := 0; i < crashRecords; i++ {
		b, err := json.Marshal(spec.JSON(gen.EKTP()))
		if err != nil {
			t.Fatal(err)
		}
		lines.Write(append(b, '\n'))
	}
	file := filepath.Join(t.TempDir(), "batch.jsonl")
	if err := os.WriteFile(file, lines.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	a.must("record", "ektp", "--file", file, "--submit")
	if st := a.status(); st.Records != crashRecords || st.PendingOps != 2*crashRecords {
		t.Fatalf("agent after record: %+v, want %d records and %d pending ops (create+submit)", st, crashRecords, 2*crashRecords)
	}
	return h, a, rand.New(rand.NewSource(seed))
}

// progressWatch is the agent's stderr: it keeps the text and calls fire
// once the upload progress ("(NN%)") reaches pct.
type progressWatch struct {
	lockedBuffer
	pct  int
	fire func()
	done bool
	max  int
}

var pctRE = regexp.MustCompile(`\((\d+)%\)`)

func (p *progressWatch) Write(b []byte) (int, error) {
	n, err := p.lockedBuffer.Write(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range pctRE.FindAllSubmatch(b, -1) {
		v, _ := strconv.Atoi(string(m[1]))
		p.max = max(p.max, v)
	}
	if !p.done && p.fire != nil && p.max >= p.pct {
		p.done = true
		p.fire()
	}
	return n, err
}

func (p *progressWatch) maxPct() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.max
}

// startSync starts `jemput-agent sync` with small upload chunks (many
// requests); fire runs once the upload is pct% through (never if fire is nil).
func startSync(t *testing.T, a *agent, pct int, fire func()) (*exec.Cmd, *progressWatch) {
	t.Helper()
	c := a.cmd([]string{"JEMPUT_SYNC_CHUNK=4096"}, "sync")
	w := &progressWatch{pct: pct, fire: fire}
	c.Stdout, c.Stderr = io.Discard, w
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	return c, w
}

// checkExactlyOnce: the hub holds every record exactly once, the laptop's
// outbox is empty.
func checkExactlyOnce(t *testing.T, hubDir string, a *agent) {
	t.Helper()
	rs := hubRecords(t, hubDir)
	ids := map[string]bool{}
	for _, r := range rs {
		if ids[r.ID] {
			t.Fatalf("record %s is twice at the hub", r.ID)
		}
		ids[r.ID] = true
		if r.Status != "received" || len(r.Flags) != 0 {
			t.Errorf("record %s: %s %v, want received without flags", r.ID, r.Status, r.Flags)
		}
	}
	if len(ids) != crashRecords {
		t.Fatalf("hub holds %d records, want exactly %d", len(ids), crashRecords)
	}
	if st := a.status(); st.PendingOps != 0 || st.Outbox != 0 {
		t.Fatalf("agent after the final sync: %+v, want nothing pending", st)
	}
	var devs []hubDevice
	hubJSON(t, &devs, "device", "list", "--data", hubDir)
	if len(devs) != 1 || devs[0].AppliedSeq != 2*crashRecords {
		t.Fatalf("device list: %+v, want applied_seq %d", devs, 2*crashRecords)
	}
}

// partSize is the size of the hub's partial upload (0 when there is none).
func partSize(hubDir string) int64 {
	parts, _ := filepath.Glob(filepath.Join(hubDir, "uploads", "*.part"))
	var n int64
	for _, p := range parts {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// logRefusals logs the API requests the hub refused so far (its log is on
// stderr), for the record of what the kills did.
func logRefusals(t *testing.T, h *hubProc) {
	t.Helper()
	if h.errb == nil {
		return
	}
	for _, l := range strings.Split(h.errb.String(), "\n") {
		if strings.Contains(l, "refused") {
			t.Logf("hub: %s", l)
		}
	}
}

func integrityCheck(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("%s integrity_check: %q %v", path, ok, err)
	}
}

// TestAgentKilledMidSync SIGKILLs the real agent at random moments of its
// upload (4 KiB chunks, many requests) while the real hub serves, then syncs
// to the end: every record arrives exactly once and nothing stays pending.
func TestAgentKilledMidSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binaries")
	}
	h, a, rng := crashSetup(t)
	// Kill at random moments until at least two kills have landed in the
	// middle of an upload: the hub's partial upload grew during the run and
	// is still partial. (Unlocking the store and sealing come first.)
	killed, midUpload := 0, 0
	for round := 0; round < 12 && midUpload < 3; round++ {
		// Odd rounds: SIGKILL after a random 50-400 ms from the start
		// (often during the unlock or sealing, sometimes after the sync
		// completed). Even rounds, first: SIGKILL when the upload is a
		// random 5-90% through, so some kills surely land between chunk
		// requests.
		kill := make(chan struct{})
		var c *exec.Cmd
		var errb *progressWatch
		var timeout time.Duration
		how := ""
		if round%2 == 1 {
			timeout = time.Duration(50+rng.Intn(351)) * time.Millisecond
			how = "after " + timeout.String()
			c, errb = startSync(t, a, 0, nil)
		} else {
			pct := 5 + rng.Intn(86)
			how = fmt.Sprintf("at %d%% of the upload", pct)
			timeout = 10 * time.Second
			c, errb = startSync(t, a, pct, func() { close(kill) })
		}
		exited := make(chan error, 1)
		go func() { exited <- c.Wait() }()
		select {
		case <-kill:
		case err := <-exited:
			if err != nil {
				t.Fatalf("round %d: sync failed before it was killed: %v\n%s", round, err, errb.String())
			}
			exited <- nil // it completed first: the hub has everything
		case <-time.After(timeout):
		}
		c.Process.Signal(syscall.SIGKILL)
		<-exited
		ws, _ := c.ProcessState.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			killed++
		} else if !c.ProcessState.Success() {
			t.Fatalf("round %d: sync failed on its own: %s", round, errb.String())
		}
		size, shown, n := partSize(h.dir), errb.maxPct(), len(hubRecords(t, h.dir))
		if ws.Signaled() && size > 0 && shown > 0 && shown < 100 {
			midUpload++
		}
		t.Logf("round %d: killed %s (signaled %v, upload shown at %d%%); hub has %d record(s), partial upload %d bytes",
			round, how, ws.Signaled(), shown, n, size)
		if n == crashRecords {
			break // the sync completed before the kill
		}
	}
	logRefusals(t, h)
	if killed == 0 || midUpload == 0 {
		t.Fatalf("%d kills, %d mid-upload: the test proved nothing", killed, midUpload)
	}
	a.must("sync", "--quiet")
	checkExactlyOnce(t, h.dir, a)
	// One more sync is a no-op.
	if out := a.must("sync", "--json"); !strings.Contains(out, `"ops": 0`) {
		t.Errorf("a sync with nothing pending: %s", out)
	}
	h.kill()
	integrityCheck(t, dbPath(h.dir))
}

// TestHubKilledMidSync SIGKILLs the real hub while an agent sync is under
// way, restarts it on the same data dir and port, and syncs again: exactly
// once, nothing pending, and hub.db passes SQLite's integrity check.
func TestHubKilledMidSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binaries")
	}
	h, a, rng := crashSetup(t)
	midUpload := 0
	for round := 0; round < 3 && midUpload < 2; round++ {
		// Kill the hub when the upload is a random 5-90% through.
		pct := 5 + rng.Intn(86)
		kill := make(chan struct{})
		c, errb := startSync(t, a, pct, func() { close(kill) })
		select {
		case <-kill:
		case <-time.After(10 * time.Second):
		}
		before := partSize(h.dir)
		logRefusals(t, h)
		h.kill()
		shown := errb.maxPct()
		if before > 0 && shown < 100 {
			midUpload++
		}
		n := len(hubRecords(t, h.dir))
		h.start()
		// The interrupted agent retries with backoff and resumes at the
		// restarted hub's offset; give it a while, then kill it.
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case err := <-done:
			t.Logf("round %d: hub killed at %d%% of the upload (partial upload %d bytes, %d record(s) in); the agent's sync then ended: %v",
				round, shown, before, n, err)
			if err != nil && !strings.Contains(errb.String(), "Nothing is lost") {
				t.Errorf("round %d: sync failed without its reason: %s", round, errb.String())
			}
		case <-time.After(8 * time.Second):
			c.Process.Signal(syscall.SIGKILL)
			<-done
			t.Logf("round %d: hub killed at %d%% of the upload (partial upload %d bytes, %d record(s) in); the agent was still retrying",
				round, shown, before, n)
		}
		if st := a.status(); st.PendingOps == 0 {
			break
		}
	}
	logRefusals(t, h)
	if midUpload == 0 {
		t.Fatal("the hub was never killed mid-upload")
	}
	a.must("sync", "--quiet")
	checkExactlyOnce(t, h.dir, a)
	h.kill()
	integrityCheck(t, dbPath(h.dir))
	// The hub's data survives another restart, and the records are still there once.
	h.start()
	if n := len(hubRecords(t, h.dir)); n != crashRecords {
		t.Fatalf("after a clean restart: %d records", n)
	}
}

// TestCompleteSurvivesClientHangup kills the agent just after its last
// chunk, while its "complete" request is being ingested: the hub must not
// take the hang-up for a bad bundle and throw away the uploaded bytes.
// (Timing-dependent: when the kill misses the window the test says so and
// passes.)
func TestCompleteSurvivesClientHangup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binaries")
	}
	h, a, rng := crashSetup(t)
	for round := 0; round < 4; round++ {
		fired := make(chan struct{})
		c, _ := startSync(t, a, 100, func() { close(fired) })
		exited := make(chan error, 1)
		go func() { exited <- c.Wait() }()
		select {
		case <-fired:
			time.Sleep(time.Duration(rng.Intn(40)) * time.Millisecond)
		case <-exited:
			exited <- nil
		case <-time.After(10 * time.Second):
		}
		c.Process.Signal(syscall.SIGKILL)
		<-exited
		for _, l := range strings.Split(h.errb.String(), "\n") {
			if strings.Contains(l, "/complete status=422 code=bad_bundle") && strings.Contains(l, "context canceled") {
				t.Fatalf("a laptop hanging up mid-ingest threw away its complete upload: %s", l)
			}
		}
		if n := len(hubRecords(t, h.dir)); n == crashRecords {
			t.Logf("round %d: the bundle was ingested; the kill missed the window", round)
			return
		}
	}
}
