package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
)

// Messages after a redirect ("decision saved", "give a reason") travel in
// a short-lived cookie the server sets, never in the URL: a crafted link
// cannot make the hub appear to say something.

const flashCookie = "jemput_flash"

type flashKey struct{}

type flashMsg struct{ ok, err string }

// flash sets the message the next page shows: kind "ok" or "err".
func flash(w http.ResponseWriter, kind, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: kind + "." + base64.RawURLEncoding.EncodeToString([]byte(msg)),
		Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: 60})
}

// withFlash takes the message (once) into the request's context.
func withFlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(flashCookie)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
		var m flashMsg
		if kind, enc, ok := strings.Cut(c.Value, "."); ok {
			if b, err := base64.RawURLEncoding.DecodeString(enc); err == nil && len(b) <= 2048 {
				switch kind {
				case "ok":
					m.ok = string(b)
				case "err":
					m.err = string(b)
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), flashKey{}, m)))
	})
}

func flashOf(r *http.Request) flashMsg { m, _ := r.Context().Value(flashKey{}).(flashMsg); return m }
