// Package web is the officer's pages on the laptop (`jemput-agent serve`):
// unlock, forms for the three kinds drawn from internal/record, my records,
// the worklist, receipts and sync. It serves loopback only by default,
// shows nothing personal before the passphrase is given, locks itself after
// an idle time, and checks a CSRF token on every POST.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/webkit"
	"github.com/jemputbola/jemput/internal/wilayah"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

const (
	sessionCookie = "jemput_agent_session"
	unlockCookie  = "jemput_unlock_csrf"
	// DefaultIdle is how long the pages stay unlocked without a request.
	DefaultIdle = 15 * time.Minute
	csp         = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
		"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

// Config is what the pages need. DB is the locked store; the pages unlock
// it with the officer's passphrase.
type Config struct {
	DB      *store.DB
	Regions *wilayah.Tree
	// Idle locks the pages after this long without a request (0: DefaultIdle).
	Idle time.Duration
	// AllowRemote serves requests whose Host is not a loopback name. Off by
	// default: the pages hold personal data and have one officer.
	AllowRemote bool
	Now         func() time.Time
	Log         *slog.Logger
	// Transport makes the hub connection for a sync (nil: HTTP to the hub
	// the laptop is enrolled at).
	Transport func(ctx context.Context, st *store.Store) (Transport, error)
}

// Server is the officer's pages over one store.
type Server struct {
	cfg   Config
	tmpl  *template.Template
	mu    sync.Mutex
	sess  *session // nil while locked
	sync  *syncJob
	fails *failures
	// csrf outlives a lock: a form left open while the pages locked can
	// still be saved once the officer unlocks again (in another tab).
	csrf string
}

// session is the unlocked store and the tokens of the browser that unlocked it.
type session struct {
	agent *agent.Agent
	token string // the session cookie
	csrf  string
	seen  time.Time
}

// New returns the pages; they start locked.
func New(cfg Config) (*Server, error) {
	if cfg.DB == nil || cfg.Regions == nil {
		return nil, errors.New("web: a store and the region list are needed")
	}
	if cfg.Idle <= 0 {
		cfg.Idle = DefaultIdle
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Transport == nil {
		cfg.Transport = httpTransport
	}
	t, err := parseTemplates(cfg.Regions)
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, tmpl: t, sync: &syncJob{}, fails: &failures{}, csrf: webkit.Token()}, nil
}

// Handler is every page and asset.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.loopbackOnly, webkit.Headers(csp), webkit.WithFlash)
	static, _ := fs.Sub(staticFS, "static")
	r.Handle("/static/*", http.StripPrefix("/static/", http.FileServer(http.FS(static))))
	r.Get("/unlock", s.unlockPage)
	r.Post("/unlock", s.unlock)
	r.Group(func(r chi.Router) {
		r.Use(s.requireUnlocked)
		r.Get("/", s.home)
		r.Post("/lock", s.lock)
		r.Get("/new/{kind}", s.newForm)
		r.Post("/save", s.save)
		r.Post("/nik", s.nikReadback)
		r.Get("/records", s.list)
		r.Post("/records", s.search)
		r.Get("/records/{id}", s.show)
		r.Get("/records/{id}/edit", s.editForm)
		r.Get("/records/{id}/receipt", s.receipt)
		r.Get("/worklist", s.worklist)
		r.Get("/sync", s.syncPage)
		r.Get("/sync/progress", s.syncProgress)
		r.Post("/sync/start", s.syncStart)
		r.Post("/sync/check", s.syncCheck)
		r.Post("/sync/export", s.export)
		r.Post("/sync/import", s.importReturn)
	})
	return r
}

// loopbackOnly refuses a request whose Host is not this laptop (unless
// configured otherwise): a web page elsewhere cannot reach the pages
// through a DNS name that resolves to 127.0.0.1 (DNS rebinding), and a
// POST must come from the pages themselves.
func (s *Server) loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.cfg.AllowRemote && !loopbackHost(r.Host) {
			http.Error(w, "jemput-agent serves this laptop only (open http://127.0.0.1 on it)", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if o := r.Header.Get("Origin"); o != "" && o != "null" && !sameOrigin(o, r.Host) {
				http.Error(w, "form from another site refused", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func sameOrigin(origin, host string) bool {
	return origin == "http://"+host || origin == "https://"+host
}

type sessKey struct{}

// requireUnlocked lets a request through only from the browser that
// unlocked the store, within the idle time, and checks every POST's CSRF
// token (form field csrf, or header X-CSRF-Token from the script).
func (s *Server) requireUnlocked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := s.current(r)
		if sess == nil {
			if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/sync/progress") {
				http.Redirect(w, r, "/unlock", http.StatusSeeOther)
				return
			}
			s.refuse(w, r, http.StatusUnauthorized, "Terkunci. Buka kunci dengan kata sandi lalu coba lagi; data yang sudah disimpan tidak hilang.",
				"Locked. Unlock with the passphrase and try again; what was saved is kept.")
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody(r.URL.Path))
			tok := r.Header.Get("X-CSRF-Token")
			if tok == "" {
				tok = formValue(r, "csrf")
			}
			if !webkit.Same(tok, sess.csrf) {
				s.refuse(w, r, http.StatusForbidden, "Formulir kedaluwarsa atau tidak sah (token CSRF). Muat ulang halaman lalu coba lagi.",
					"The form is stale or forged (CSRF token). Reload the page and try again.")
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessKey{}, sess)))
	})
}

// formValue reads a field from a urlencoded or multipart body.
func formValue(r *http.Request, name string) string {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return ""
		}
	}
	return r.PostFormValue(name)
}

func maxBody(path string) int64 {
	if path == "/sync/import" {
		return 512 << 20 // a return file with many decisions
	}
	return 256 << 10
}

// current is the session of r's browser, or nil (locked, idle, or another
// browser). Being idle locks the store for everyone.
func (s *Server) current(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return nil
	}
	now := s.cfg.Now()
	if now.Sub(s.sess.seen) > s.cfg.Idle {
		s.cfg.Log.Info("locked after idle time", "idle", s.cfg.Idle)
		s.sess = nil
		return nil
	}
	if err != nil || !webkit.Same(c.Value, s.sess.token) {
		return nil
	}
	// The progress poll is not the officer at the keyboard.
	if r.URL.Path != "/sync/progress" {
		s.sess.seen = now
	}
	return s.sess
}

func sessionOf(r *http.Request) *session { s, _ := r.Context().Value(sessKey{}).(*session); return s }

// Locked reports whether the pages are locked now.
func (s *Server) Locked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess == nil || s.cfg.Now().Sub(s.sess.seen) > s.cfg.Idle
}

// Lock forgets the unlocked store.
func (s *Server) Lock() {
	s.mu.Lock()
	s.sess = nil
	s.mu.Unlock()
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	// Errors name records by id at most; never log field values.
	s.cfg.Log.Error("page failed", "path", r.URL.Path, "err", err)
	s.refuse(w, r, http.StatusInternalServerError, "Terjadi kesalahan; sudah dicatat. Data yang sudah disimpan aman.",
		"Something went wrong; it has been logged. What was saved is safe.")
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, id, en string) {
	d := s.base(r, fmt.Sprint(status))
	d.Error = webkit.Pick(d.Lang, id, en)
	s.render(w, status, "error.html", d)
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.tmpl.ExecuteTemplate(w, name, data); err != nil {
		s.cfg.Log.Error("render page", "page", name, "err", err)
	}
}
