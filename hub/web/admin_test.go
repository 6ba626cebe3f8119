package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jemputbola/jemput/hub"
)

func TestAdminPages(t *testing.T) {
	s := newSite(t)
	if _, err := s.hub.AddUser(context.Background(), "root", hub.RoleAdmin, "", pw); err != nil {
		t.Fatal(err)
	}
	op := s.browser(t)
	op.login("ani", pw)
	for _, p := range []string{"/admin/devices", "/admin/users", "/admin/audit"} {
		if code, _ := op.get(p); code != http.StatusForbidden {
			t.Errorf("operator on %s: %d, want 403", p, code)
		}
	}
	adm := s.browser(t)
	adm.login("root", pw)
	code, page := adm.get("/admin/devices")
	if code != 200 || !strings.Contains(page, "Yakobus") {
		t.Fatalf("devices page: %d", code)
	}
	code, loc, body := adm.post("/admin/devices/code", url.Values{"csrf": {csrfOf(t, page)}, "officer": {"Maria Hanyeq"}, "villages": {"64.11.03.2002"}})
	if code != 200 || loc != "" || !regexp.MustCompile(`id="newcode">[^<]*<strong>[0-9A-Z]{4}-`).MatchString(body) {
		t.Fatalf("make code: %d %q, code not shown in the answer", code, loc)
	}
	adm.post("/admin/devices/"+s.devID+"/revoke", url.Values{"csrf": {csrfOf(t, page)}})
	if kind, msg := adm.flash(); kind != "ok" {
		t.Fatalf("revoke: %s %q", kind, msg)
	}
	if d, _ := s.hub.Device(context.Background(), s.devID); !d.Revoked() {
		t.Fatal("device not revoked")
	}
	_, page = adm.get("/admin/users")
	adm.post("/admin/users", url.Values{"csrf": {csrfOf(t, page)}, "name": {"sri2"}, "role": {"supervisor"}, "region": {"64.11"}, "password": {"pendek"}})
	if kind, msg := adm.flash(); kind != "err" || !strings.Contains(msg, "10") {
		t.Fatalf("short password: %s %q", kind, msg)
	}
	adm.post("/admin/users", url.Values{"csrf": {csrfOf(t, page)}, "name": {"sri2"}, "role": {"supervisor"}, "region": {"64.11"}, "password": {pw}})
	if _, page := adm.get("/admin/users"); !strings.Contains(page, "sri2") {
		t.Fatal("new user not listed")
	}
	code, page = adm.get("/admin/audit")
	if code != 200 || !strings.Contains(page, `id="verify" class`) && !strings.Contains(page, "utuh") {
		t.Fatalf("audit page: %d", code)
	}
	for _, want := range []string{"enrol_code", "revoke", "user_add", "login"} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %s", want)
		}
	}
}
