package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/roster"
	"github.com/jemputbola/jemput/internal/synth"
)

// worklistRoster is a small roster of villages a and b: in a, an adult
// without a KTP-el (an apostrophe and markup in the name), one with it, and
// a child without a birth certificate; in b, an adult without a KTP-el.
func worklistRoster(a, b string) []roster.Resident {
	return []roster.Resident{
		{NIK: "6411011405900003", KKNumber: "6411010101200001", Name: "Ma'ruf <b>Ngau</b>", Sex: "L", Birth: "1990-05-14", Village: a, HasBirthCert: true},
		{NIK: "6411015203850005", KKNumber: "6411010101200001", Name: "Siti Hanyeq", Sex: "P", Birth: "1985-03-12", Village: a, HasKTPEl: true, HasBirthCert: true},
		{NIK: "6411014106240002", KKNumber: "6411010101200001", Name: "Lusia Ngau", Sex: "P", Birth: "2024-06-01", Village: a},
		{NIK: "6411012007920004", KKNumber: "6411010101200009", Name: "Petrus Ding", Sex: "L", Birth: "1992-07-20", Village: b, HasBirthCert: true},
	}
}

var entryRE = regexp.MustCompile(`href="/new/(ektp|birth)\?from=([^"]+)"`)

// The worklist the hub sends is on the page per village, each entry
// starts a form filled from the roster, and once the hub approves the
// record the entry leaves the page. No NIK is in a URL or on the list.
func TestWorklistPages(t *testing.T) {
	th := newTestHub(t)
	villages := synth.Villages(regions(t), "64.11")[:2]
	a, b := villages[0], villages[1]
	th.importRoster(t, worklistRoster(a, b))
	s := newSite(t, Config{})
	s.enroll(t, th, []string{a})
	if rep := s.syncNow(t); rep.Applied.Worklist != 2 {
		t.Fatalf("sync applied %d worklist entries, want 2 (Ma'ruf's KTP-el, Lusia's birth)", rep.Applied.Worklist)
	}
	c := s.browser(t)
	_, csrf := s.unlock(t, c, testPass)
	if csrf == "" {
		t.Fatal("unlock failed")
	}

	_, home := get(t, c, s.srv.URL+"/")
	if !strings.Contains(home, `href="/worklist"`) {
		t.Fatal("the home page has no way to the worklist")
	}
	res, list := get(t, c, s.srv.URL+"/worklist")
	if res.StatusCode != http.StatusOK || !strings.Contains(list, "/worklist?village="+a) || strings.Contains(list, b) {
		t.Fatalf("worklist: %d, want a link to %s and nothing of %s:\n%s", res.StatusCode, a, b, list)
	}
	res, page := get(t, c, s.srv.URL+"/worklist?village="+url.QueryEscape(a))
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("worklist Cache-Control %q, want no-store", cc)
	}
	if !strings.Contains(page, html.EscapeString("Ma'ruf <b>Ngau</b>")) || strings.Contains(page, "<b>Ngau</b>") {
		t.Error("the name with an apostrophe and markup is not shown escaped")
	}
	if !strings.Contains(page, "Lusia Ngau") || strings.Contains(page, "Siti Hanyeq") || strings.Contains(page, "Petrus") {
		t.Errorf("village %s's list: want Ma'ruf and Lusia, not Siti (has a KTP-el) or Petrus (other village)", a)
	}
	for _, r := range worklistRoster(a, b) {
		if strings.Contains(page, r.NIK) {
			t.Errorf("the worklist page shows NIK %s", r.NIK)
		}
	}
	links := map[string]string{}
	for _, m := range entryRE.FindAllStringSubmatch(page, -1) {
		links[m[1]] = m[2]
	}
	if len(links) != 2 {
		t.Fatalf("entry links %v, want one ektp and one birth", links)
	}

	// Each entry starts its form filled from the roster.
	_, form := get(t, c, s.srv.URL+"/new/ektp?from="+links["ektp"])
	for path, want := range map[string]string{"nik": "6411011405900003", "kk_number": "6411010101200001",
		"full_name": html.EscapeString("Ma'ruf <b>Ngau</b>"), "birth_date": "1990-05-14"} {
		if !strings.Contains(form, `id="`+inputID(path)+`" name="`+path+`" value="`+want+`"`) {
			t.Errorf("ektp form from the worklist: %s is not %s", path, want)
		}
	}
	if !strings.Contains(form, `value="L" selected`) || !strings.Contains(form, `value="`+a+`" selected`) || !strings.Contains(form, `id="from-worklist"`) {
		t.Error("ektp form from the worklist: sex, village or the worklist note missing")
	}
	_, bform := get(t, c, s.srv.URL+"/new/birth?from="+links["birth"])
	if !strings.Contains(bform, `name="child_name" value="Lusia Ngau"`) || !strings.Contains(bform, `name="birth_date" value="2024-06-01"`) {
		t.Error("birth form from the worklist: child's name or birth date missing")
	}
	for _, bad := range []string{"/new/birth?from=" + links["ektp"], "/new/ektp?from=wl-ektp-nobody", "/new/ektp?from=%27%3Cscript%3E"} {
		if res, body := get(t, c, s.srv.URL+bad); res.StatusCode != http.StatusNotFound || strings.Contains(body, "Ngau") {
			t.Errorf("GET %s: %d, want 404 without the resident", bad, res.StatusCode)
		}
	}

	// The officer completes Ma'ruf's form (his name as his documents spell
	// it: the record's rules refuse the markup the roster let through) and
	// sends it. Until the hub approves it, his row shows the record, not a
	// second "start form".
	if !strings.Contains(form, `name="from" value="`+links["ektp"]+`"`) {
		t.Fatal("the form does not carry its worklist entry")
	}
	sent := url.Values{"csrf": {csrf}, "id": {formID(t, form)}, "kind": {"ektp"}, "from": {links["ektp"]}, "action": {"submit"}}
	fields := gen(t).EKTP()
	for k, v := range map[string]string{"nik": "6411011405900003", "kk_number": "6411010101200001", "full_name": "Ma'ruf Ngau",
		"birth_date": "1990-05-14", "sex": "L", "village_code": a} {
		fields[k] = v
	}
	for k, v := range fields {
		if v != "false" {
			sent.Set(k, v)
		}
	}
	if res, body := post(t, c, s.srv.URL+"/save", sent); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit the worklist form: %d %.400s", res.StatusCode, body)
	}
	rec := s.record(t, sent.Get("id"))
	if rec.Status != record.StatusSubmitted || rec.Fields["nik"] != "6411011405900003" {
		t.Fatalf("the worklist record: %s %v", rec.Status, rec.Fields)
	}
	_, page = get(t, c, s.srv.URL+"/worklist?village="+url.QueryEscape(a))
	if !strings.Contains(page, `href="/records/`+rec.ID+`" class="started" data-status="submitted"`) || strings.Contains(page, "from="+links["ektp"]) {
		t.Error("the worklist still offers a new form for Ma'ruf, or does not show his record")
	}
	if !strings.Contains(page, "from="+links["birth"]) {
		t.Error("Lusia's entry lost its start link")
	}
	// Lusia's form is started, then withdrawn: her entry offers a new
	// form again (a rejected record does the same).
	_, lform := get(t, c, s.srv.URL+"/new/birth?from="+links["birth"])
	lusia := url.Values{"csrf": {csrf}, "id": {formID(t, lform)}, "kind": {"birth"}, "from": {links["birth"]}, "child_name": {"Lusia Ngau"}, "action": {"save"}}
	if res, _ := post(t, c, s.srv.URL+"/save", lusia); res.StatusCode >= 400 {
		t.Fatalf("save Lusia's draft: %d", res.StatusCode)
	}
	if _, page = get(t, c, s.srv.URL+"/worklist?village="+url.QueryEscape(a)); strings.Contains(page, "from="+links["birth"]) ||
		!strings.Contains(page, `href="/records/`+lusia.Get("id")+`/edit"`) {
		t.Error("Lusia's started draft: want a link to go on with it and no second form")
	}
	wst, err := s.db.Unlock(context.Background(), []byte(testPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.New(wst, regions(t)).Withdraw(context.Background(), lusia.Get("id"), "salah orang"); err != nil {
		t.Fatal(err)
	}
	if _, page = get(t, c, s.srv.URL+"/worklist?village="+url.QueryEscape(a)); !strings.Contains(page, "from="+links["birth"]) ||
		!strings.Contains(page, `data-status="withdrawn"`) {
		t.Error("after the withdrawal Lusia's entry should show the withdrawn record and offer a new form")
	}
	// A form whose entry is gone, or of another kind, still saves its
	// record, linked to nothing.
	_, other := get(t, c, s.srv.URL+"/new/birth")
	stale := url.Values{"csrf": {csrf}, "id": {formID(t, other)}, "kind": {"birth"}, "from": {links["ektp"]}, "child_name": {"Yosef"}, "action": {"save"}}
	if res, _ := post(t, c, s.srv.URL+"/save", stale); res.StatusCode >= 400 {
		t.Fatalf("save with a foreign entry: %d", res.StatusCode)
	}
	if r := s.record(t, stale.Get("id")); r.Fields["child_name"] != "Yosef" {
		t.Fatalf("the record with a foreign entry: %v", r.Fields)
	}
	if _, page = get(t, c, s.srv.URL+"/worklist?village="+url.QueryEscape(a)); strings.Contains(page, stale.Get("id")) {
		t.Error("a birth record got linked to a KTP-el entry")
	}

	s.syncNow(t)
	if _, err := th.hub.Decide(context.Background(), rec.ID, record.StatusApproved, "", nil, "operator"); err != nil {
		t.Fatal(err)
	}
	if rep := s.syncNow(t); rep.Applied.Worklist != 1 || rep.Applied.Decisions != 1 {
		t.Fatalf("after the approval: %+v, want one decision and one worklist change", rep.Applied)
	}
	_, page = get(t, c, s.srv.URL+"/worklist?village="+url.QueryEscape(a))
	if strings.Contains(page, "Ngau</b>") || strings.Contains(page, "Ma&#39;ruf") || !strings.Contains(page, "Lusia Ngau") {
		t.Error("after the approval the list should hold Lusia only")
	}
	if res, _ := get(t, c, s.srv.URL+"/new/ektp?from="+links["ektp"]); res.StatusCode != http.StatusNotFound {
		t.Errorf("the done entry still starts a form: %d", res.StatusCode)
	}
	started, err := wst.WorklistStarted(context.Background(), a)
	if _, left := started[links["ektp"]]; err != nil || left || started[links["birth"]].ID != lusia.Get("id") || len(started) != 1 {
		t.Errorf("links after Ma'ruf's entry was done: %v %v; want Lusia's only", started, err)
	}
}
