package webkit

import "net/http"

const langCookie = "jemput_lang"

// Lang is the reader's language, "id" (the default) or "en": from ?lang=
// first (the switch link), then the cookie the switch set.
func Lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "id" {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && c.Value == "en" {
		return "en"
	}
	return "id"
}

// Pick returns the text in lang.
func Pick(lang, id, en string) string {
	if lang == "en" {
		return en
	}
	return id
}

// rememberLang keeps a ?lang= switch for the next pages.
func rememberLang(w http.ResponseWriter, r *http.Request) {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "id" {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", SameSite: http.SameSiteLaxMode, MaxAge: 365 * 86400})
	}
}
