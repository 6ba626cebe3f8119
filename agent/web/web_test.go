package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/nik"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
)

// capture saves a record straight into the store, as the CLI would.
func (s *site) capture(t testing.TB, kind record.Kind, f record.Fields) *record.Record {
	t.Helper()
	ctx := context.Background()
	st, err := s.db.Unlock(ctx, []byte(testPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := agent.New(st, regions(t)).Capture(ctx, kind, f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *site) record(t testing.TB, id string) *record.Record {
	t.Helper()
	st, err := s.db.Unlock(context.Background(), []byte(testPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("record %s: %v", id, err)
	}
	return r
}

func gen(t testing.TB) *synth.Gen {
	return synth.New(3, time.Now(), synth.Villages(regions(t), "64.11"))
}

// Nothing personal leaves the server before the passphrase: every page
// redirects to the unlock page or refuses, and no name is in any answer.
func TestLockedPagesShowNothing(t *testing.T) {
	s := newSite(t, Config{})
	r := s.capture(t, record.KindEKTP, record.Fields{"full_name": "Siti Rahmawati", "nik": "6411015203850005"})
	c := s.browser(t)
	for _, path := range []string{"/", "/records", "/records/" + r.ID, "/records/" + r.ID + "/edit", "/records/" + r.ID + "/receipt",
		"/worklist", "/sync", "/new/ektp"} {
		res, body := get(t, c, s.srv.URL+path)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/unlock" {
			t.Errorf("GET %s while locked: %d %s", path, res.StatusCode, res.Header.Get("Location"))
		}
		if strings.Contains(body, "Siti") || strings.Contains(body, "6411015203850005") {
			t.Errorf("GET %s while locked shows personal data", path)
		}
	}
	for _, path := range []string{"/save", "/records", "/nik", "/sync/start", "/sync/export"} {
		res, body := post(t, c, s.srv.URL+path, url.Values{"q": {"Siti"}, "id": {r.ID}, "kind": {"ektp"}, "value": {"6411015203850005"}})
		if res.StatusCode != http.StatusUnauthorized || strings.Contains(body, "Siti") {
			t.Errorf("POST %s while locked: %d", path, res.StatusCode)
		}
	}
	if res, body := get(t, c, s.srv.URL+"/sync/progress"); res.StatusCode != http.StatusUnauthorized || strings.Contains(body, "running") {
		t.Errorf("sync progress while locked: %d %s", res.StatusCode, body)
	}
}

func TestUnlockAndLock(t *testing.T) {
	s := newSite(t, Config{Idle: 10 * time.Minute})
	s.capture(t, record.KindEKTP, record.Fields{"full_name": "Ma'ruf Amin"})
	c := s.browser(t)
	if res, _ := s.unlock(t, c, "salah"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/unlock" {
		t.Fatalf("wrong passphrase: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, page := get(t, c, s.srv.URL+"/unlock"); !strings.Contains(page, "Kata sandi salah") {
		t.Fatal("a wrong passphrase is not explained")
	}
	_, csrf := s.unlock(t, c, testPass)
	if csrf == "" {
		t.Fatal("the right passphrase did not unlock")
	}
	res, page := get(t, c, s.srv.URL+"/records")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Ma&#39;ruf Amin") || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("records page: %d, cache %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	// Another browser (no cookie) gets nothing although the store is open.
	if res, _ := get(t, s.browser(t), s.srv.URL+"/records"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a second browser got %d", res.StatusCode)
	}
	// Idle: the pages lock themselves.
	s.advance(11 * time.Minute)
	if res, _ := get(t, c, s.srv.URL+"/records"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the idle time: %d", res.StatusCode)
	}
	if !s.web.Locked() {
		t.Fatal("not locked after the idle time")
	}
	_, csrf = s.unlock(t, c, testPass)
	res, _ = post(t, c, s.srv.URL+"/lock", url.Values{"csrf": {csrf}})
	if res.StatusCode != http.StatusSeeOther || !s.web.Locked() {
		t.Fatalf("lock: %d locked=%v", res.StatusCode, s.web.Locked())
	}
}

func TestUnlockAttemptsAreLimited(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser(t)
	for i := 0; i < maxFailures; i++ {
		s.unlock(t, c, "tebakan")
	}
	if res, _ := s.unlock(t, c, testPass); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d wrong passphrases the right one got %d, want 429", maxFailures, res.StatusCode)
	}
	s.advance(failureWindow + time.Second)
	if _, csrf := s.unlock(t, c, testPass); csrf == "" {
		t.Fatal("still refused after the window")
	}
}

// The pages answer this laptop only: a page elsewhere reaching 127.0.0.1
// under its own host name (DNS rebinding) or posting a form from its own
// origin is refused, and so is a POST without the CSRF token.
func TestForeignRequestsAreRefused(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser(t)
	_, csrf := s.unlock(t, c, testPass)
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/records", nil)
	req.Host = "jemput.attacker.example"
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Host: %d", res.StatusCode)
	}
	id, _ := agent.NewID()
	form := url.Values{"id": {id}, "kind": {"ektp"}, "full_name": {"Siti"}, "action": {"save"}}
	for name, f := range map[string]func(*http.Request){
		"no token":    func(*http.Request) {},
		"wrong token": func(r *http.Request) { r.Header.Set("X-CSRF-Token", strings.Repeat("0", 64)) },
		"other origin": func(r *http.Request) {
			r.Header.Set("X-CSRF-Token", csrf)
			r.Header.Set("Origin", "http://evil.example")
		},
	} {
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/save", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		f(req)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, res.StatusCode)
		}
	}
	st, _ := s.db.Unlock(context.Background(), []byte(testPass), nil)
	if _, err := st.Get(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused form saved a record: %v", err)
	}
	s2 := newSite(t, Config{AllowRemote: true})
	req, _ = http.NewRequest(http.MethodGet, s2.srv.URL+"/unlock", nil)
	req.Host = "laptop.lan:8081"
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("with AllowRemote a LAN host name is refused: %v %v", res, err)
	}
}

// A form that fails validation keeps every value typed (even one that
// cannot be read), shows each message beside its field, and the draft is
// saved whatever its problems.
func TestFormKeepsValuesAndExplains(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser(t)
	_, csrf := s.unlock(t, c, testPass)
	res, page := get(t, c, s.srv.URL+"/new/birth")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `name="mother.nik"`) || !strings.Contains(page, "<legend>Ibu</legend>") {
		t.Fatalf("birth form: %d", res.StatusCode)
	}
	id := formID(t, page)
	form := url.Values{"csrf": {csrf}, "id": {id}, "kind": {"birth"}, "action": {"submit"},
		"child_name": {"<script>alert(1)</script>"}, "mother.name": {"Ma'ruf"}, "mother.nik": {"6411019913850005"},
		"weight_grams": {"tiga kilo"}, "birth_date": {"2030-01-01"}}
	res, page = post(t, c, s.srv.URL+"/save", form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid submit: %d", res.StatusCode)
	}
	for _, want := range []string{
		`value="&lt;script&gt;alert(1)&lt;/script&gt;"`, `value="Ma&#39;ruf"`, `value="6411019913850005"`, `value="tiga kilo"`, `value="2030-01-01"`,
		"Isi dengan angka bulat", // beside the weight
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>alert") {
		t.Fatal("markup typed into a field is in the page as markup")
	}
	// Each message sits in its field's box.
	for _, field := range []string{"f-mother-nik", "f-birth_date", "f-weight_grams", "f-sex"} {
		i := strings.Index(page, `id="`+field+`-msg"`)
		if i < 0 || !strings.Contains(page[i:i+300], "field-error") {
			t.Errorf("no message beside %s", field)
		}
	}
	r := s.record(t, id)
	if r.Status != record.StatusDraft || r.Fields["mother.name"] != "Ma'ruf" || r.Fields["child_name"] != "<script>alert(1)</script>" {
		t.Fatalf("draft: %s %v", r.Status, r.Fields)
	}
	// The same form posted again (a reload) updates the same draft.
	post(t, c, s.srv.URL+"/save", form)
	st, _ := s.db.Unlock(context.Background(), []byte(testPass), nil)
	if list, _ := st.List(context.Background(), store.Filter{}); len(list) != 1 {
		t.Fatalf("%d records after posting the form twice", len(list))
	}
}

func formID(t testing.TB, page string) string {
	t.Helper()
	i := strings.Index(page, `name="id" value="`)
	if i < 0 {
		t.Fatal("no record id in the form")
	}
	rest := page[i+len(`name="id" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// The whole path of one record: autosave, submit, the record page and the
// receipt, which never shows the NIK in full.
func TestSubmitAndReceipt(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser(t)
	_, csrf := s.unlock(t, c, testPass)
	_, page := get(t, c, s.srv.URL+"/new/ektp")
	id := formID(t, page)
	fields := gen(t).EKTP()
	form := url.Values{"csrf": {csrf}, "id": {id}, "kind": {"ektp"}, "action": {"autosave"}}
	for k, v := range fields {
		if v == "true" || v == "false" {
			if v == "true" {
				form.Set(k, "true")
			}
			continue
		}
		form.Set(k, v)
	}
	res, body := post(t, c, s.srv.URL+"/save", form)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"saved":true`) {
		t.Fatalf("autosave: %d %s", res.StatusCode, body)
	}
	form.Set("action", "submit")
	res, _ = post(t, c, s.srv.URL+"/save", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/records/"+id {
		t.Fatalf("submit: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	r := s.record(t, id)
	if r.Status != record.StatusSubmitted {
		t.Fatalf("status %s", r.Status)
	}
	_, page = get(t, c, s.srv.URL+"/records/"+id)
	if !strings.Contains(page, `data-status="submitted"`) || !strings.Contains(page, "Tersimpan dan siap dikirim") {
		t.Fatal("record page after submit")
	}
	res, page = get(t, c, s.srv.URL+"/records/"+id+"/receipt")
	if res.StatusCode != http.StatusOK || strings.Contains(page, fields["nik"]) || !strings.Contains(page, nik.Masked(fields["nik"])) ||
		strings.Contains(page, fields["kk_number"]) || strings.Contains(page, fields["address"]) {
		t.Fatalf("receipt: %d, personal data shown or masked NIK missing", res.StatusCode)
	}
	if !strings.Contains(page, r.TrackingCode[:3]) || !strings.Contains(page, "Yakobus Lenjau") {
		t.Fatal("receipt lacks the code or officer")
	}
}

// Search by NIK goes through the blind index, by name through the list; it
// is a POST, so what was typed is in no URL.
func TestSearch(t *testing.T) {
	s := newSite(t, Config{})
	a := s.capture(t, record.KindEKTP, record.Fields{"full_name": "Dominikus Hang", "nik": "6411011203850005"})
	b := s.capture(t, record.KindBirth, record.Fields{"child_name": "Bayi Ping", "mother.nik": "6411015203850005"})
	c := s.browser(t)
	_, csrf := s.unlock(t, c, testPass)
	for q, want := range map[string]string{"6411015203850005": b.ID, "dominikus": a.ID, "  HANG ": a.ID} {
		res, page := post(t, c, s.srv.URL+"/records", url.Values{"csrf": {csrf}, "q": {q}})
		if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-id="`+want+`"`) || strings.Count(page, "data-id=") != 1 {
			t.Errorf("search %q: %d, %d rows", q, res.StatusCode, strings.Count(page, "data-id="))
		}
	}
}

func TestNIKReadback(t *testing.T) {
	s := newSite(t, Config{})
	c := s.browser(t)
	_, csrf := s.unlock(t, c, testPass)
	for value, want := range map[string]string{
		"6411015203850005": "Lahir 12 Maret 1985 · perempuan · Long Bagun",
		"6411011203850005": "laki-laki",
		"6411019913850005": `"error":"`,
	} {
		_, body := post(t, c, s.srv.URL+"/nik", url.Values{"csrf": {csrf}, "value": {value}})
		if !strings.Contains(body, want) {
			t.Errorf("NIK %s read back as %s, want %q", value, body, want)
		}
	}
}
