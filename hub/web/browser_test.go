package web_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/browsertest"
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/syncproto"
)

// TestOperatorInChromium drives a real headless Chromium through the
// review: log in, filter the queue, resolve a conflict, judge a duplicate,
// approve; names with markup stay text and no script ever runs.
func TestOperatorInChromium(t *testing.T) {
	bctx := browsertest.Context(t)
	s := newSite(t)
	xss := s.capture(t, record.Fields{"full_name": "<script>alert(1)</script>"})
	conflicted := s.capture(t, record.Fields{"nik": "6411015203850005"})
	if _, err := s.hub.Edit(context.Background(), conflicted, record.Fields{"address": "Jl. Operator"}, "op"); err != nil {
		t.Fatal(err)
	}
	// The laptop, not having seen the operator's change, writes the field too.
	s.seq++
	s.send(t, []syncproto.Op{{OpID: uuid.NewString(), DeviceID: s.devID, Seq: s.seq, HLC: hlc.New(time.Now().UnixMilli()+5, 0),
		RecordID: conflicted, Kind: record.KindEKTP, Action: syncproto.ActionUpdate,
		Fields: record.Fields{"address": "Jl. Petugas"}, Base: map[string]hlc.Timestamp{"address": 0}}})
	dupA := s.capture(t, record.Fields{"nik": "6411015203850007", "full_name": "Maria Hanyeq"})
	dupB := s.capture(t, record.Fields{"nik": "6411015203850007", "full_name": "MARIA HANYEQ"})
	if r, _ := s.hub.Find(context.Background(), conflicted); !r.HasFlag("conflict") {
		t.Fatal("setup: no conflict")
	}

	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	var dialogs atomic.Int32
	// Any script dialog (alert) would mean markup ran as code.
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}); err != nil {
		t.Fatal(err)
	}
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("browser, %s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("browser, text of %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	step("log in",
		chromedp.Navigate(s.srv.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "ani"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), pw),
		chromedp.Click(chromedp.CSS(`#login`)),
		chromedp.WaitVisible(chromedp.CSS(`#queue`)))
	step("filter the queue to conflicts and open the record",
		chromedp.SetValue(chromedp.CSS(`select[name=flag]`), "conflict"),
		chromedp.Click(chromedp.CSS(`#filter`)),
		chromedp.WaitVisible(chromedp.CSS(`#queue[data-flag="conflict"]`)))
	if rows := text(`#queue tbody`); strings.Contains(rows, "MARIA") || strings.Contains(rows, "alert") {
		t.Fatalf("the conflict filter lets other records through: %q", rows)
	}
	step("open the record",
		chromedp.Click(chromedp.CSS(`a[href="/records/`+conflicted+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.conflict`)))
	// Keep the officer's value.
	step("resolve the conflict",
		chromedp.Click(`//div[contains(@class,"conflict")]//form[.//q[text()="Jl. Petugas"]]//button`),
		chromedp.WaitVisible(chromedp.CSS(`p.ok`)))
	flash := text(`p.ok`)
	// The page before still shows the last message: wait for the new status.
	step("approve", chromedp.Click(chromedp.CSS(`#approve`)), chromedp.WaitVisible(chromedp.CSS(`#status[data-status="approved"]`)))
	status := text(`#status`)
	step("judge the duplicate the same person",
		chromedp.Navigate(s.srv.URL+"/records/"+dupA),
		chromedp.WaitVisible(chromedp.CSS(`.duplicate button.same`)),
		chromedp.Click(chromedp.CSS(`.duplicate button.same`)),
		chromedp.WaitVisible(chromedp.CSS(`p.ok`)),
		chromedp.Navigate(s.srv.URL+"/records/"+dupB),
		chromedp.WaitVisible(chromedp.CSS(`#status`)))
	dupStatus := text(`#status`)
	step("open the record whose name is markup",
		chromedp.Navigate(s.srv.URL+"/records/"+xss),
		chromedp.WaitVisible(chromedp.CSS(`h1 .name`)))
	xssName := text(`h1 .name`)
	step("see the coverage chart", chromedp.Navigate(s.srv.URL+"/coverage?region=64.11"), chromedp.WaitVisible(chromedp.CSS(`#chart`)))
	if rows := text(`#coverage tbody`); !strings.Contains(rows, "Long Bagun") {
		t.Fatalf("coverage table: %q", rows)
	}
	// The download link is there (its CSV is checked in TestCoveragePageAndCSV).
	if link := text(`#csv`); link == "" {
		t.Fatal("no CSV download link")
	}
	// A form whose CSRF token was removed is refused, and changes nothing:
	// the logout it carried did not happen.
	step("post a form without its CSRF token",
		chromedp.Navigate(s.srv.URL+"/queue"),
		chromedp.WaitVisible(chromedp.CSS(`#queue`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())`),
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	if refused := text(`p.error`); !strings.Contains(refused, "CSRF") {
		t.Fatalf("a form without its token: %q", refused)
	}
	step("still logged in", chromedp.Navigate(s.srv.URL+"/queue"), chromedp.WaitVisible(chromedp.CSS(`#queue`)))
	// A supervisor of another province edits the URL to reach 64.11.
	step("log in as the supervisor of 64.02",
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=name]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "sri"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), pw),
		chromedp.Click(chromedp.CSS(`#login`)),
		chromedp.WaitVisible(chromedp.CSS(`#queue`)))
	for _, path := range []string{"/records/" + dupA, "/coverage?region=64.11", "/coverage.csv?region=64.11"} {
		step("open "+path+" by URL", chromedp.Navigate(s.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(`body`)))
		body := text(`body`)
		if strings.Contains(body, "Maria") || strings.Contains(body, "Long Bagun") || !strings.Contains(body, "Jemput") {
			t.Errorf("supervisor of 64.02 opening %s sees: %.200q", path, body)
		}
	}
	if !strings.Contains(flash, "address") || status != "disetujui" {
		t.Fatalf("after resolving and approving: flash %q, status %q", flash, status)
	}
	if r, _ := s.hub.Find(context.Background(), conflicted); r.State.Values()["address"] != "Jl. Petugas" || r.State.Decision.RegistrationNumber == "" {
		t.Fatalf("hub state: address %q decision %+v", r.State.Values()["address"], r.State.Decision)
	}
	if dupStatus != "ditolak" {
		t.Fatalf("the duplicate judged the same person is %q, want rejected", dupStatus)
	}
	if xssName != "<script>alert(1)</script>" || dialogs.Load() != 0 {
		t.Fatalf("name shown as %q, %d script dialogs", xssName, dialogs.Load())
	}
}
