package agent

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/web"
	"github.com/jemputbola/jemput/internal/password"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/targets"
	"github.com/jemputbola/jemput/internal/wilayah"
)

// TestRecordToCoverage follows one registration through the whole system:
// captured offline, synced, sent back for correction by an operator in the
// hub's web pages, seen and corrected by the officer, approved, and counted
// in its village's coverage.
func TestRecordToCoverage(t *testing.T) {
	hub.PasswordParams = password.Params{Time: 1, Memory: 1024, Threads: 1}
	ctx := context.Background()
	th := newTestHub(t)
	tree, _ := wilayah.Load()
	ts, err := targets.Default(tree, time.Now().Year())
	if err != nil {
		t.Fatal(err)
	}
	if err := th.hub.ImportTargets(ctx, "default", ts); err != nil {
		t.Fatal(err)
	}
	if _, err := th.hub.AddUser(ctx, "ani", hub.RoleOperator, "64.11", "sandi-rahasia-123"); err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(th.hub, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(pages.Handler())
	defer site.Close()

	// Offline on the laptop.
	a, g := enroll(t, th, th.srv.URL)
	fields := g.EKTP()
	village := fields.VillageCode()
	district := village[:8]
	r, err := a.Capture(ctx, record.KindEKTP, fields)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Submit(ctx, r.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sync(ctx, client(t, a, th.srv.URL), nil); err != nil {
		t.Fatal(err)
	}

	// The operator, in the browser.
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar}
	get := func(path string) string {
		res, err := b.Get(site.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return string(body)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)
	post := func(path, page string, form url.Values) {
		form.Set("csrf", csrf.FindStringSubmatch(page)[1])
		res, err := b.PostForm(site.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("POST %s: %d", path, res.StatusCode)
		}
	}
	post("/login", get("/login"), url.Values{"name": {"ani"}, "password": {"sandi-rahasia-123"}})
	approvedIn := func() string {
		rows, err := csv.NewReader(strings.NewReader(get("/coverage.csv?region=" + district))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows[1:] {
			if row[0] == village {
				return row[5] // ktp_approved
			}
		}
		t.Fatalf("no coverage row for %s", village)
		return ""
	}
	if got := approvedIn(); got != "0" {
		t.Fatalf("approved before review: %s", got)
	}
	page := get("/records/" + r.ID)
	post("/records/"+r.ID+"/decide", page, url.Values{"outcome": {"needs_correction"},
		"reason": {"Alamat kurang lengkap: tulis nomor rumah"}, "fields": {"address"}})

	// The officer syncs, sees why, corrects, resubmits.
	rep, err := a.Sync(ctx, client(t, a, th.srv.URL), nil)
	if err != nil || rep.Applied.Decisions != 1 {
		t.Fatalf("sync after the decision: %+v %v", rep.Applied, err)
	}
	back, _ := a.store.Get(ctx, r.ID)
	if back.Status != record.StatusNeedsCorrection || !strings.Contains(back.Decision.Reason, "nomor rumah") {
		t.Fatalf("the laptop shows %s %+v", back.Status, back.Decision)
	}
	if _, err := a.Edit(ctx, r.ID, record.Fields{"address": "Jl. Poros Kampung No. 12"}, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Submit(ctx, r.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sync(ctx, client(t, a, th.srv.URL), nil); err != nil {
		t.Fatal(err)
	}

	// The operator approves the corrected record; the village's figure moves.
	page = get("/records/" + r.ID)
	if !strings.Contains(page, "Jl. Poros Kampung No. 12") {
		t.Fatal("the correction did not reach the hub")
	}
	post("/records/"+r.ID+"/decide", page, url.Values{"outcome": {"approved"}})
	if got := approvedIn(); got != "1" {
		t.Fatalf("approved KTP-el in %s after approval: %s, want 1", village, got)
	}
	if _, err := a.Sync(ctx, client(t, a, th.srv.URL), nil); err != nil {
		t.Fatal(err)
	}
	if done, _ := a.store.Get(ctx, r.ID); done.Status != record.StatusApproved || done.Decision.RegistrationNumber == "" {
		t.Fatalf("the laptop ends with %s %+v", done.Status, done.Decision)
	}
}
