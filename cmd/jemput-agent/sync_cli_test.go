package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/httpapi"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/roster"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/wilayah"
	"github.com/jemputbola/jemput/syncproto"
)

// testHub is a real hub behind its API on 127.0.0.1.
func testHub(t *testing.T) (*hub.Hub, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	id, _ := syncproto.NewIdentity(rand.Reader)
	tree, _ := wilayah.Load()
	h, err := hub.New(ctx, st, hub.Config{Identity: id, Regions: tree})
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(h, filepath.Join(t.TempDir(), "uploads"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return h, srv
}

func pendingOps(t *testing.T, env map[string]string) float64 {
	t.Helper()
	r := runCLI(t, env, "", "status", "--json")
	var st map[string]any
	if err := json.Unmarshal([]byte(r.out), &st); err != nil {
		t.Fatalf("status: %v %q", err, r.out)
	}
	return st["pending_ops"].(float64)
}

func TestSyncCommandsRefuseClearly(t *testing.T) {
	h, srv := testHub(t)
	dir := newStoreDir(t)
	env := envFor(dir)
	if r := runCLI(t, env, fixtureLine(t, "ektp"), "record", "ektp", "--file", "-", "--submit"); r.code != 0 {
		t.Fatalf("record: %d %s", r.code, r.err)
	}
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"sync before enrolling", []string{"sync"}, 1, "enroll"},
		{"export before enrolling", []string{"export", "--out", filepath.Join(t.TempDir(), "x")}, 1, "enroll"},
		{"enroll without a hub", []string{"enroll", "--code", "AAAA-AAAA-AAAA"}, 2, "--hub"},
		{"enroll with a wrong code", []string{"enroll", "--hub", srv.URL, "--code", "AAAA-AAAA-AAAA"}, 1, "not enrolled"},
		{"enroll at no hub", []string{"enroll", "--hub", "http://127.0.0.1:1", "--code", "AAAA-AAAA-AAAA"}, 1, "cannot reach"},
		{"import garbage", []string{"import", "-"}, 1, "nothing was changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, env, "not a return file", tt.args...)
			if r.code != tt.code || !strings.Contains(r.err, tt.msg) || strings.Count(strings.TrimSpace(r.err), "\n") > 1 {
				t.Fatalf("exit %d %q; want %d and a short message with %q", r.code, r.err, tt.code, tt.msg)
			}
		})
	}
	if pendingOps(t, env) != 2 {
		t.Fatal("a refused command changed the outbox")
	}

	// Enrolled, then the hub goes away: sync fails, nothing is lost.
	code, _, err := h.NewEnrolCode(context.Background(), "Yakobus", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, env, "", "enroll", "--hub", srv.URL, "--code", code); r.code != 0 {
		t.Fatalf("enroll: %d %s", r.code, r.err)
	}
	srv.Close()
	r := runCLI(t, env, "", "sync", "--quiet", "--retries", "1")
	if r.code != 1 || !strings.Contains(r.err, "Tidak ada yang hilang") {
		t.Fatalf("sync with the hub down: %d %q", r.code, r.err)
	}
	if pendingOps(t, env) != 2 {
		t.Fatal("a failed sync dropped changes")
	}

	// A return file meant for another laptop is refused, nothing changes.
	other := newStoreDir(t)
	oenv := envFor(other)
	ocode, _, _ := h.NewEnrolCode(context.Background(), "Maria", nil)
	_, srv2 := testHubSame(t, h)
	if r := runCLI(t, oenv, "", "enroll", "--hub", srv2.URL, "--code", ocode); r.code != 0 {
		t.Fatalf("second enroll: %s", r.err)
	}
	runCLI(t, oenv, fixtureLine(t, "ektp"), "record", "ektp", "--file", "-", "--submit")
	exp := filepath.Join(t.TempDir(), "export.bin")
	if r := runCLI(t, oenv, "", "export", "--out", exp); r.code != 0 {
		t.Fatalf("export: %s", r.err)
	}
	f, _ := os.Open(exp)
	dev, results, err := h.ImportFile(context.Background(), f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var ret bytes.Buffer
	if err := h.ReturnFile(context.Background(), &ret, dev, results); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, env, ret.String(), "import", "-"); r.code != 1 || !strings.Contains(r.err, "another laptop") {
		t.Fatalf("import of another laptop's return file: %d %q", r.code, r.err)
	}
	if pendingOps(t, env) != 2 {
		t.Fatal("another laptop's receipts acknowledged this laptop's changes")
	}
}

// testHubSame serves h's API again (the first server was closed).
func testHubSame(t *testing.T, h *hub.Hub) (*hub.Hub, *httptest.Server) {
	api, err := httpapi.New(h, filepath.Join(t.TempDir(), "uploads"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return h, srv
}

// status tells the officer how many residents the hub's worklist holds,
// once a sync has brought it.
func TestStatusCountsTheWorklist(t *testing.T) {
	h, srv := testHub(t)
	const village = "64.11.01.2001"
	rs := synth.New(5, time.Now(), []string{village}).Roster(60)
	var ektp, birth int
	today := time.Now()
	for _, r := range rs {
		if !r.HasKTPEl && r.AgeOn(today) >= record.EKTPMinAge {
			ektp++
		}
		if !r.HasBirthCert && r.AgeOn(today) < 18 {
			birth++
		}
	}
	if ektp == 0 || birth == 0 {
		t.Fatalf("the roster has %d due a KTP-el and %d a birth certificate; want some of each", ektp, birth)
	}
	var csv bytes.Buffer
	if err := roster.Write(&csv, rs); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ImportRoster(context.Background(), &csv, "admin"); err != nil {
		t.Fatal(err)
	}
	env := envFor(newStoreDir(t))
	code, _, err := h.NewEnrolCode(context.Background(), "Yakobus", []string{village})
	if err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, env, "", "enroll", "--hub", srv.URL, "--code", code); r.code != 0 {
		t.Fatalf("enroll: %d %s", r.code, r.err)
	}
	if r := runCLI(t, env, "", "status"); r.code != 0 || !strings.Contains(r.out, "0 belum ber-KTP-el") {
		t.Fatalf("status before the first sync: %d %s", r.code, r.out)
	}
	if r := runCLI(t, env, "", "sync", "--quiet"); r.code != 0 {
		t.Fatalf("sync: %d %s", r.code, r.err)
	}
	var st struct{ Worklist map[string]int }
	if err := json.Unmarshal([]byte(runCLI(t, env, "", "status", "--json").out), &st); err != nil {
		t.Fatal(err)
	}
	if st.Worklist["ektp"] != ektp || st.Worklist["birth"] != birth {
		t.Fatalf("status worklist %v; want ektp %d, birth %d", st.Worklist, ektp, birth)
	}
	want := fmt.Sprintf("%d belum ber-KTP-el, %d anak belum punya akta, di 1 desa", ektp, birth)
	if r := runCLI(t, env, "", "status"); !strings.Contains(r.out, want) {
		t.Fatalf("status says\n%s\nwant %q", r.out, want)
	}
}
