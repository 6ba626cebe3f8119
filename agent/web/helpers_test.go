package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/atrest"
	"github.com/jemputbola/jemput/internal/wilayah"
)

const testPass = "kata sandi petugas"

var (
	treeOnce sync.Once
	tree     *wilayah.Tree
)

func regions(t testing.TB) *wilayah.Tree {
	treeOnce.Do(func() {
		var err error
		if tree, err = wilayah.Load(); err != nil {
			t.Fatal(err)
		}
	})
	return tree
}

// site is a real store in a temp dir behind the real pages on 127.0.0.1.
type site struct {
	db   *store.DB
	srv  *httptest.Server
	web  *Server
	skew time.Duration // added to the real clock, for idle tests
	mu   sync.Mutex
	path string
}

func (s *site) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Add(s.skew)
}

func (s *site) advance(d time.Duration) {
	s.mu.Lock()
	s.skew += d
	s.mu.Unlock()
}

func newSite(t testing.TB, cfg Config) *site {
	t.Helper()
	ctx := context.Background()
	s := &site{path: filepath.Join(t.TempDir(), "agent.db")}
	db, err := store.Open(ctx, s.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Init(ctx, store.InitParams{Passphrase: []byte(testPass), Argon: atrest.Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1},
		Officer: "Yakobus Lenjau", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s.db = db
	cfg.DB, cfg.Regions, cfg.Now = db, regions(t), s.clock
	s.web, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(s.web.Handler())
	t.Cleanup(s.srv.Close)
	return s
}

// browser is an HTTP client with cookies that does not follow redirects,
// so a test sees each answer.
func (s *site) browser(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t testing.TB, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func post(t testing.TB, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrfOf(t testing.TB, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in page: %.300s", page)
	}
	return m[1]
}

// unlock opens the store through the page and returns the CSRF token.
func (s *site) unlock(t testing.TB, c *http.Client, pass string) (*http.Response, string) {
	t.Helper()
	_, page := get(t, c, s.srv.URL+"/unlock")
	res, _ := post(t, c, s.srv.URL+"/unlock", url.Values{"csrf": {csrfOf(t, page)}, "passphrase": {pass}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		return res, ""
	}
	_, home := get(t, c, s.srv.URL+"/")
	if !strings.Contains(home, "csrf") {
		return res, ""
	}
	return res, csrfOf(t, home)
}

// newLoopback serves w on 127.0.0.1 until the test ends.
func newLoopback(t testing.TB, w *Server) string {
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func recordFilter(limit int) store.Filter { return store.Filter{Limit: limit} }
