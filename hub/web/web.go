// Package web is the hub's pages for operators, supervisors and admins:
// server-rendered html/template, assets embedded, no script. Every page
// needs a login; every form carries the session's CSRF token; every record
// is checked against the user's region before it is shown or changed.
package web

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/internal/webkit"
	"github.com/jemputbola/jemput/internal/wilayah"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

const (
	csp           = "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'"
	sessionCookie = "jemput_session"
	loginCSRF     = "jemput_login_csrf"
	pageSize      = 50
)

// Server serves the pages of one hub.
type Server struct {
	hub     *hub.Hub
	log     *slog.Logger
	now     func() time.Time
	tmpl    *template.Template
	limiter *limiter
	lookups *limiter // the resident status page, per address
	checks  chan struct{}
	regions *wilayah.Tree
	// Secure marks cookies Secure (set it when served over TLS).
	Secure bool
}

// New returns the pages over h.
func New(h *hub.Hub, log *slog.Logger, now func() time.Time) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	tree, err := wilayah.Load()
	if err != nil {
		return nil, err
	}
	t, err := template.New("").Funcs(template.FuncMap{
		"t":      webkit.Pick,
		"code":   func(s string) string { return tracking.Code(s).String() },
		"status": func(lang string, st record.Status) string { return st.Label(record.ParseLang(lang)) },
		"kind": func(lang string, k record.Kind) string {
			if spec, err := record.SpecFor(k); err == nil {
				return spec.Label.In(record.ParseLang(lang))
			}
			return string(k)
		},
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	return &Server{hub: h, log: log, now: now, tmpl: t, limiter: newLimiter(5, 15*time.Minute, now),
		lookups: newLimiter(statusLookups, 10*time.Minute, now), regions: tree,
		checks: make(chan struct{}, 4)}, nil
}

// Routes mounts the pages on r.
func (s *Server) Routes(r chi.Router) {
	static, _ := fs.Sub(staticFS, "static")
	r.Handle("/static/*", http.StripPrefix("/static/", http.FileServer(http.FS(static))))
	r.Group(func(r chi.Router) {
		r.Use(webkit.Headers(csp), webkit.WithFlash)
		r.Get("/login", s.loginPage)
		r.Get("/cek", s.statusPage)
		r.Get("/layanan", s.standardsPage)
		r.Post("/login", s.login)
		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin)
			r.Get("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/queue", http.StatusSeeOther) })
			r.Post("/logout", s.logout)
			r.Get("/queue", s.queue)
			r.Get("/records/{id}", s.recordPage)
			r.Get("/coverage", s.coverage)
			r.Get("/coverage.csv", s.coverageCSV)
			r.Group(func(r chi.Router) {
				r.Use(s.requireAdmin)
				r.Get("/admin/devices", s.devicesPage)
				r.Post("/admin/devices/code", s.makeCode)
				r.Post("/admin/devices/{id}/revoke", s.revokeDevice)
				r.Get("/admin/users", s.usersPage)
				r.Post("/admin/users", s.addUser)
				r.Get("/admin/audit", s.auditPage)
			})
			r.Post("/records/{id}/decide", s.decide)
			r.Post("/records/{id}/resolve", s.resolve)
			r.Post("/records/{id}/duplicate", s.duplicate)
		})
	})
}

// Handler is the pages alone.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	s.Routes(r)
	return r
}

// headers: no framing, no sniffing, nothing loaded from elsewhere.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if l := r.URL.Query().Get("lang"); l == "en" || l == "id" {
			http.SetCookie(w, &http.Cookie{Name: "jemput_lang", Value: l, Path: "/", SameSite: http.SameSiteLaxMode, MaxAge: 365 * 86400})
		}
		next.ServeHTTP(w, r)
	})
}

func lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "id" {
		return l
	}
	if c, err := r.Cookie("jemput_lang"); err == nil && c.Value == "en" {
		return "en"
	}
	return "id"
}

type userKey struct{}

type session struct {
	user hub.User
	csrf string
}

func sessionOf(r *http.Request) session { s, _ := r.Context().Value(userKey{}).(session); return s }

// requireLogin finds the session and checks the CSRF token of every POST.
func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		u, sess, err := s.hub.SessionUser(r.Context(), c.Value)
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(sess.CSRF)) != 1 {
				s.refuse(w, r, http.StatusForbidden, "Formulir kedaluwarsa atau tidak sah (token CSRF). Muat ulang halaman lalu coba lagi.",
					"The form is stale or forged (CSRF token). Reload the page and try again.")
				return
			}
		}
		ctx := context.WithValue(r.Context(), userKey{}, session{user: u, csrf: sess.CSRF})
		ctx = hub.WithActor(ctx, u.Name)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// pageData is what every page template gets.
type pageData struct {
	Lang, Title, CSRF, Flash, Error string
	User                            hub.User
}

func (s *Server) base(r *http.Request, title string) pageData {
	ss := sessionOf(r)
	f := webkit.FlashOf(r)
	return pageData{Lang: webkit.Lang(r), Title: title, CSRF: ss.csrf, User: ss.user, Flash: f.OK, Error: f.Err}
}

func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.tmpl.ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("render page", "page", name, "err", err)
	}
}

// refuse answers with status and a message in the reader's language.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, id, en string) {
	d := s.base(r, strconv.Itoa(status))
	d.Error = webkit.Pick(d.Lang, id, en)
	s.page(w, r, status, "error.html", d)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	tok := webkit.Token()
	http.SetCookie(w, &http.Cookie{Name: loginCSRF, Value: tok, Path: "/login", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.Secure})
	d := pageData{Lang: webkit.Lang(r), Title: webkit.Pick(webkit.Lang(r), "Masuk", "Log in"), CSRF: tok, Error: webkit.FlashOf(r).Err}
	s.page(w, r, http.StatusOK, "login.html", d)
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	l := webkit.Lang(r)
	c, err := r.Cookie(loginCSRF)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		s.refuse(w, r, http.StatusForbidden, "Formulir masuk kedaluwarsa. Buka halaman masuk lagi.", "The login form is stale. Open the login page again.")
		return
	}
	name, addr := strings.TrimSpace(r.PostFormValue("name")), clientAddr(r)
	// Each attempt takes its slot before the password is checked, so a
	// burst of parallel guesses cannot slip past the limit; a success
	// gives its slots back.
	userKey, addrKey := "user:"+name, "addr:"+addr
	if !s.limiter.take(userKey) {
		s.tooMany(w, r)
		return
	}
	if !s.limiter.take(addrKey) {
		s.limiter.forgive(userKey)
		s.tooMany(w, r)
		return
	}
	// Argon2id costs memory: bound the checks running at once.
	select {
	case s.checks <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	_, token, sess, err := s.hub.Login(r.Context(), name, r.PostFormValue("password"), addr)
	<-s.checks
	if err == nil {
		s.limiter.forgive(userKey)
		s.limiter.forgive(addrKey)
	}
	if errors.Is(err, hub.ErrBadLogin) {
		webkit.Flash(w, "err", webkit.Pick(l, "Nama pengguna atau kata sandi salah.", "Wrong user name or password."))
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.Secure, Expires: sess.ExpiresAt})
	http.Redirect(w, r, "/queue", http.StatusSeeOther)
}

func (s *Server) tooMany(w http.ResponseWriter, r *http.Request) {
	s.refuse(w, r, http.StatusTooManyRequests, "Terlalu banyak percobaan masuk yang gagal. Tunggu 15 menit.", "Too many failed logins. Wait 15 minutes.")
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.hub.Logout(r.Context(), c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("web request failed", "path", r.URL.Path, "err", err)
	s.refuse(w, r, http.StatusInternalServerError, "Terjadi kesalahan di hub; sudah dicatat.", "Something went wrong at the hub; it has been logged.")
}

// limiter counts failures per key in a sliding window.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, fails: map[string][]time.Time{}}
}

func (l *limiter) recent(key string) []time.Time {
	cut := l.now().Add(-l.window)
	keep := l.fails[key][:0]
	for _, t := range l.fails[key] {
		if t.After(cut) {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = keep
	return keep
}

// take records an attempt if key is under the limit, atomically.
func (l *limiter) take(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec := l.recent(key)
	if len(rec) >= l.max {
		return false
	}
	l.fails[key] = append(rec, l.now())
	return true
}

// forgive removes key's latest attempt (it succeeded).
func (l *limiter) forgive(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.fails[key]); n > 0 {
		l.fails[key] = l.fails[key][:n-1]
	}
}
