package webkit

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A message set before a redirect is shown once, on the next page only,
// and a forged cookie cannot carry anything but text of bounded size.
func TestFlashOnce(t *testing.T) {
	var seen Message
	h := WithFlash(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = FlashOf(r) }))
	set := httptest.NewRecorder()
	Flash(set, "err", "Kata sandi salah <b>")
	cookie := set.Result().Cookies()[0]

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(cookie)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if seen.Err != "Kata sandi salah <b>" || seen.OK != "" {
		t.Fatalf("message %+v", seen)
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Fatalf("the message cookie is not cleared: %+v", c)
	}
	for _, forged := range []string{"ok." + strings.Repeat("QUFB", 1000), "admin.SGk", "ok.%%%", "noseparator"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: flashCookie, Value: forged})
		seen = Message{}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen != (Message{}) {
			t.Errorf("forged cookie %.20q gave %+v", forged, seen)
		}
	}
}

func TestSameAndToken(t *testing.T) {
	a, b := Token(), Token()
	if len(a) != 64 || a == b {
		t.Fatalf("tokens %q %q", a, b)
	}
	if !Same(a, a) || Same(a, b) || Same("", "") || Same(a, "") {
		t.Fatal("Same")
	}
}

func TestHeadersAndLanguage(t *testing.T) {
	h := Headers("default-src 'self'")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(Lang(r))) }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/?lang=en", nil))
	if w.Body.String() != "en" || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Content-Security-Policy") != "default-src 'self'" {
		t.Fatalf("%q %v", w.Body.String(), w.Header())
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(w.Result().Cookies()[0])
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Body.String() != "en" {
		t.Fatal("the language switch is not remembered")
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/?lang=fr", nil))
	if w.Body.String() != "id" || Pick("id", "ya", "yes") != "ya" || Pick("en", "ya", "yes") != "yes" {
		t.Fatal("default language")
	}
}
