package web

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/webkit"
)

// pageData is what every template gets.
type pageData struct {
	Lang, Title, CSRF, Flash, Error string
	Officer                         string
	Unlocked                        bool
	Idle                            int // seconds before the pages lock themselves
}

func (s *Server) base(r *http.Request, title string) pageData {
	f := webkit.FlashOf(r)
	d := pageData{Lang: webkit.Lang(r), Title: title, Flash: f.OK, Error: f.Err}
	if sess := sessionOf(r); sess != nil {
		d.CSRF, d.Officer, d.Unlocked, d.Idle = sess.csrf, sess.agent.Store().Officer(), true, int(s.cfg.Idle.Seconds())
	}
	return d
}

func (s *Server) unlockPage(w http.ResponseWriter, r *http.Request) {
	tok := webkit.Token()
	http.SetCookie(w, &http.Cookie{Name: unlockCookie, Value: tok, Path: "/unlock", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	d := s.base(r, webkit.Pick(webkit.Lang(r), "Buka kunci", "Unlock"))
	d.CSRF = tok
	s.render(w, http.StatusOK, "unlock.html", d)
}

// unlock opens the store with the passphrase. Argon2id makes each guess
// cost about a second; after five wrong ones in five minutes the page asks
// to wait, so a forgotten laptop is not an open door.
func (s *Server) unlock(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	l := webkit.Lang(r)
	c, err := r.Cookie(unlockCookie)
	if err != nil || !webkit.Same(r.PostFormValue("csrf"), c.Value) {
		s.refuse(w, r, http.StatusForbidden, "Formulir kedaluwarsa. Buka halaman buka kunci lagi.", "The form is stale. Open the unlock page again.")
		return
	}
	if !s.fails.allow(s.cfg.Now()) {
		s.refuse(w, r, http.StatusTooManyRequests, "Terlalu banyak kata sandi salah. Tunggu 5 menit lalu coba lagi.",
			"Too many wrong passphrases. Wait 5 minutes and try again.")
		return
	}
	pass := []byte(r.PostFormValue("passphrase"))
	st, err := s.cfg.DB.Unlock(r.Context(), pass, s.cfg.Now)
	clear(pass)
	if errors.Is(err, store.ErrWrongPassphrase) {
		s.fails.add(s.cfg.Now())
		webkit.Flash(w, "err", webkit.Pick(l, "Kata sandi salah (huruf besar dan kecil dibedakan).", "Wrong passphrase (it is case-sensitive)."))
		http.Redirect(w, r, "/unlock", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.fails.reset()
	sess := &session{agent: agent.New(st, s.cfg.Regions), token: webkit.Token(), csrf: s.csrf, seen: s.cfg.Now()}
	s.mu.Lock()
	s.sess = sess
	s.mu.Unlock()
	s.cfg.Log.Info("unlocked")
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: unlockCookie, Value: "", Path: "/unlock", MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) lock(w http.ResponseWriter, r *http.Request) {
	s.Lock()
	s.cfg.Log.Info("locked by the officer")
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	webkit.Flash(w, "ok", webkit.Pick(webkit.Lang(r), "Terkunci. Semua data tersimpan.", "Locked. Everything is saved."))
	http.Redirect(w, r, "/unlock", http.StatusSeeOther)
}

// failures counts wrong passphrases in a sliding window.
type failures struct {
	mu sync.Mutex
	at []time.Time
}

const (
	maxFailures   = 5
	failureWindow = 5 * time.Minute
)

func (f *failures) allow(now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	keep := f.at[:0]
	for _, t := range f.at {
		if now.Sub(t) < failureWindow {
			keep = append(keep, t)
		}
	}
	f.at = keep
	return len(f.at) < maxFailures
}

func (f *failures) add(now time.Time) {
	f.mu.Lock()
	f.at = append(f.at, now)
	f.mu.Unlock()
}

func (f *failures) reset() {
	f.mu.Lock()
	f.at = nil
	f.mu.Unlock()
}
