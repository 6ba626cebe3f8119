package webkit

import "net/http"

// Headers sets what every page needs: the content policy csp (nothing
// loaded from elsewhere, no framing), no sniffing, no referrer outside,
// and no caching (pages carry personal data; a shared laptop's browser
// cache must not keep them). It also remembers a language switch.
func Headers(csp string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cache-Control", "no-store")
			rememberLang(w, r)
			next.ServeHTTP(w, r)
		})
	}
}
