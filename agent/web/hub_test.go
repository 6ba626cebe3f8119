package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/agent/hubclient"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/httpapi"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/roster"
	"github.com/jemputbola/jemput/syncproto"
)

// testHub is a real hub: SQLite in a temp dir, its API on 127.0.0.1.
type testHub struct {
	hub *hub.Hub
	srv *httptest.Server
}

func newTestHub(t testing.TB) *testHub {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	id, err := syncproto.NewIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(ctx, st, hub.Config{Identity: id, Regions: regions(t)})
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(h, filepath.Join(dir, "uploads"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return &testHub{hub: h, srv: srv}
}

// enroll enrols the site's laptop at th for villages, as `jemput-agent
// enroll` does.
func (s *site) enroll(t testing.TB, th *testHub, villages []string) {
	t.Helper()
	ctx := context.Background()
	st, err := s.db.Unlock(ctx, []byte(testPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	code, _, err := th.hub.NewEnrolCode(ctx, "Yakobus Lenjau", villages)
	if err != nil {
		t.Fatal(err)
	}
	id, err := st.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	epoch, _ := st.Epoch(ctx)
	req, err := syncproto.NewEnrollRequest(code, st.DeviceID(), st.Officer(), epoch, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hubclient.Enroll(ctx, http.DefaultClient, th.srv.URL, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Enroll(ctx, store.Hub{URL: th.srv.URL, Key: resp.Hub, Villages: resp.Villages}, resp.Officer); err != nil {
		t.Fatal(err)
	}
}

// importRoster loads residents into th's roster, as `jemput-hub roster
// import` does; every row must be good.
func (th *testHub) importRoster(t testing.TB, rs []roster.Resident) {
	t.Helper()
	var b bytes.Buffer
	if err := roster.Write(&b, rs); err != nil {
		t.Fatal(err)
	}
	rep, err := th.hub.ImportRoster(context.Background(), &b, "admin")
	if err != nil || rep.Skipped > 0 {
		t.Fatalf("import roster: %+v, %v", rep, err)
	}
}

// syncNow syncs the site's laptop with its hub, as `jemput-agent sync`
// does, outside the pages.
func (s *site) syncNow(t testing.TB) agent.SyncReport {
	t.Helper()
	ctx := context.Background()
	st, err := s.db.Unlock(ctx, []byte(testPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := httpTransport(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := agent.New(st, regions(t)).Sync(ctx, tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
