package webkit

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

// Message is the one-time message a page shows.
type Message struct{ OK, Err string }

// Flash sets the message the next page shows: kind "ok" or "err".
func Flash(w http.ResponseWriter, kind, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: kind + "." + base64.RawURLEncoding.EncodeToString([]byte(msg)),
		Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: 60})
}

// WithFlash takes the message (once) into the request's context.
func WithFlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(flashCookie)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
		var m Message
		if kind, enc, ok := strings.Cut(c.Value, "."); ok {
			if b, err := base64.RawURLEncoding.DecodeString(enc); err == nil && len(b) <= 2048 {
				switch kind {
				case "ok":
					m.OK = string(b)
				case "err":
					m.Err = string(b)
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), flashKey{}, m)))
	})
}

// FlashOf is the message WithFlash took for this request.
func FlashOf(r *http.Request) Message { m, _ := r.Context().Value(flashKey{}).(Message); return m }
