package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/hub/web"
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/password"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/internal/wilayah"
	"github.com/jemputbola/jemput/syncproto"
)

func init() { hub.PasswordParams = password.Params{Time: 1, Memory: 1024, Threads: 1} }

type site struct {
	hub   *hub.Hub
	srv   *httptest.Server
	hubID syncproto.Identity
	dev   syncproto.Identity
	devID string
	seq   uint64
	prev  [32]byte
}

const pw = "sandi-rahasia-123"

func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := &site{devID: uuid.NewString()}
	s.hubID, _ = syncproto.NewIdentity(rand.Reader)
	s.dev, _ = syncproto.NewIdentity(rand.Reader)
	tree, _ := wilayah.Load()
	if s.hub, err = hub.New(ctx, st, hub.Config{Identity: s.hubID, Regions: tree}); err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(s.hub, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(pages.Handler())
	t.Cleanup(s.srv.Close)
	for _, u := range []struct{ name, role, region string }{
		{"ani", hub.RoleOperator, "64.11"}, {"sri", hub.RoleSupervisor, "64.02"}, {"budi", hub.RoleSupervisor, "64.11"},
	} {
		if _, err := s.hub.AddUser(ctx, u.name, u.role, u.region, pw); err != nil {
			t.Fatal(err)
		}
	}
	code, _, _ := s.hub.NewEnrolCode(ctx, "Yakobus", nil)
	req, _ := syncproto.NewEnrollRequest(code, s.devID, "Yakobus", "0a0b", s.dev, time.Now())
	if _, err := s.hub.Enroll(ctx, req); err != nil {
		t.Fatal(err)
	}
	return s
}

// capture sends one submitted KTP-el record from the laptop, with fields
// changed by set, and returns its id.
func (s *site) capture(t *testing.T, set record.Fields) string {
	t.Helper()
	data, err := os.ReadFile("../../internal/record/testdata/ektp.json")
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := record.SpecFor(record.KindEKTP)
	tree, _ := wilayah.Load()
	f, err := spec.Decode(data, tree)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		f[k] = v
	}
	id := uuid.NewString()
	code, _ := tracking.New(rand.Reader)
	now := hlc.New(time.Now().UnixMilli(), 0)
	ops := []syncproto.Op{
		{OpID: uuid.NewString(), DeviceID: s.devID, Seq: s.seq + 1, HLC: now, RecordID: id, Kind: record.KindEKTP,
			Action: syncproto.ActionCreate, Fields: f, Meta: map[string]string{"tracking_code": string(code), "officer": "Yakobus"}},
		{OpID: uuid.NewString(), DeviceID: s.devID, Seq: s.seq + 2, HLC: now + 1, RecordID: id, Kind: record.KindEKTP, Action: syncproto.ActionSubmit},
	}
	s.seq += 2
	s.send(t, ops)
	return id
}

func (s *site) send(t *testing.T, ops []syncproto.Op) {
	t.Helper()
	hdr := syncproto.Header{ID: uuid.NewString(), Sender: s.devID, Epoch: "0a0b", CreatedAt: time.Now(), Prev: s.prev}
	hdr.Cover(ops)
	var buf bytes.Buffer
	sealed, err := syncproto.Seal(&buf, hdr, ops, s.dev, s.hubID.Public(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s.prev = sealed.Sum
	if _, err := s.hub.Ingest(context.Background(), &buf, "http"); err != nil {
		t.Fatal(err)
	}
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t *testing.T
	c *http.Client
	s *site
}

func (s *site) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	res, err := b.c.Get(b.s.srv.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	res, err := b.c.PostForm(b.s.srv.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(body)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrfOf(t *testing.T, body string) string {
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf token in the page")
	}
	return m[1]
}

func (b *browser) login(name, pass string) (int, string) {
	b.t.Helper()
	_, page := b.get("/login")
	code, loc, _ := b.post("/login", url.Values{"csrf": {csrfOf(b.t, page)}, "name": {name}, "password": {pass}})
	return code, loc
}

func TestLoginAndRateLimit(t *testing.T) {
	s := newSite(t)
	b := s.browser(t)
	if code, loc := b.get("/queue"); code != http.StatusSeeOther || !strings.Contains(loc, "login") && code != 303 {
		t.Fatalf("queue without login: %d", code)
	}
	if code, _ := b.login("ani", "salah-sandi-123"); code != http.StatusSeeOther {
		t.Fatalf("wrong password: %d", code)
	}
	if kind, msg := b.flash(); kind != "err" || !strings.Contains(msg, "salah") {
		t.Fatalf("wrong password: message %s %q", kind, msg)
	}
	// Login form without its token: refused.
	if code, _, _ := b.post("/login", url.Values{"name": {"ani"}, "password": {pw}}); code != http.StatusForbidden {
		t.Fatalf("login without CSRF: %d", code)
	}
	for i := 0; i < 4; i++ {
		b.login("ani", "salah-sandi-123")
	}
	// Five failures: even the right password waits now.
	_, page := b.get("/login")
	if code, _, body := b.post("/login", url.Values{"csrf": {csrfOf(t, page)}, "name": {"ani"}, "password": {pw}}); code != http.StatusTooManyRequests || !strings.Contains(body, "15") {
		t.Fatalf("sixth attempt: %d", code)
	}
	// Another user from another browser (same address here) is limited by address too.
	b2 := s.browser(t)
	if code, _ := b2.login("budi", pw); code != http.StatusTooManyRequests {
		t.Fatalf("same address after 5 failures: %d, want 429", code)
	}
}

func TestOperatorReviewsInBrowserForms(t *testing.T) {
	s := newSite(t)
	id := s.capture(t, record.Fields{"full_name": "<script>alert(1)</script>"})
	other := s.capture(t, record.Fields{"full_name": "Ma'ruf Hulau", "nik": "6411011203850003", "sex": "L"})
	b := s.browser(t)
	if code, loc := b.login("ani", pw); code != http.StatusSeeOther || loc != "/queue" {
		t.Fatalf("login: %d %s", code, loc)
	}
	code, body := b.get("/queue?status=received")
	if code != 200 || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(body, "<script>alert") {
		t.Fatalf("queue: %d, name not escaped as text", code)
	}
	if !strings.Contains(body, "Ma&#39;ruf Hulau") {
		t.Fatalf("queue lacks Ma'ruf")
	}
	_, page := b.get("/records/" + id)
	token := csrfOf(t, page)
	// A form posted without the session's token changes nothing.
	if code, _, body := b.post("/records/"+id+"/decide", url.Values{"outcome": {"approved"}}); code != http.StatusForbidden || !strings.Contains(body, "CSRF") {
		t.Fatalf("decide without CSRF: %d, the page does not say why", code)
	}
	if code, _, _ := b.post("/records/"+id+"/decide", url.Values{"outcome": {"approved"}, "csrf": {"00" + token[2:]}}); code != http.StatusForbidden {
		t.Fatalf("decide with a wrong CSRF: %d", code)
	}
	if r, _ := s.hub.Find(context.Background(), id); r.State.Status != record.StatusReceived {
		t.Fatalf("a refused form changed the record: %s", r.State.Status)
	}
	// Reject without a reason: told, nothing changed.
	b.post("/records/"+id+"/decide", url.Values{"outcome": {"rejected"}, "csrf": {token}})
	if kind, msg := b.flash(); kind != "err" {
		t.Fatalf("reject without reason: %s %q", kind, msg)
	}
	b.post("/records/"+id+"/decide", url.Values{"outcome": {"needs_correction"}, "reason": {"Nama tidak wajar"},
		"fields": {"full_name"}, "csrf": {token}})
	if kind, msg := b.flash(); kind != "ok" {
		t.Fatalf("correction: %s %q", kind, msg)
	}
	if r, _ := s.hub.Find(context.Background(), id); r.State.Status != record.StatusNeedsCorrection || r.State.Decision.Reason != "Nama tidak wajar" {
		t.Fatalf("after correction: %s %+v", r.State.Status, r.State.Decision)
	}
	b.post("/records/"+other+"/decide", url.Values{"outcome": {"approved"}, "csrf": {token}})
	if _, msg := b.flash(); !strings.Contains(msg, "6411-KTP-") {
		t.Fatalf("approve: %q", msg)
	}
	// Every decision went to the audit log under the user's name.
	entries, _ := s.hub.AuditLog(context.Background(), 0, 0)
	var n int
	for _, e := range entries {
		if e.Actor == "ani" && e.Action == hub.AuditDecide {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d decisions audited under ani, want 2", n)
	}
}

func TestRegionScope(t *testing.T) {
	s := newSite(t)
	id := s.capture(t, nil) // village 64.11.01.2001 (Mahakam Ulu)
	sri := s.browser(t)     // supervisor of 64.02
	if code, _ := sri.login("sri", pw); code != http.StatusSeeOther {
		t.Fatal("login")
	}
	if code, _ := sri.get("/records/" + id); code != http.StatusNotFound {
		t.Fatalf("out-of-region record by URL: %d, want 404", code)
	}
	if code, body := sri.get("/queue"); code != 200 || strings.Contains(body, "/records/"+id) {
		t.Fatalf("out-of-region record in the queue")
	}
	if code, _ := sri.get("/queue?region=64.11"); code != http.StatusForbidden {
		t.Fatalf("asking for another region: %d, want 403", code)
	}
	budi := s.browser(t) // supervisor of 64.11: sees, cannot decide
	budi.login("budi", pw)
	code, page := budi.get("/records/" + id)
	if code != 200 || strings.Contains(page, `id="approve"`) {
		t.Fatalf("supervisor record page: %d, decision form shown: %v", code, strings.Contains(page, `id="approve"`))
	}
	if code, _, _ := budi.post("/records/"+id+"/decide", url.Values{"outcome": {"approved"}, "csrf": {csrfOf(t, page)}}); code != http.StatusForbidden {
		t.Fatalf("supervisor deciding: %d, want 403", code)
	}
}

// flash is the message the last answer left for the next page: its kind
// ("ok", "err") and text.
func (b *browser) flash() (string, string) {
	u, _ := url.Parse(b.s.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "jemput_flash" {
			kind, enc, _ := strings.Cut(c.Value, ".")
			msg, _ := base64.RawURLEncoding.DecodeString(enc)
			return kind, string(msg)
		}
	}
	return "", ""
}
