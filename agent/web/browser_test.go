package web

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/jemputbola/jemput/internal/browsertest"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
)

// TestOfficerInChromium drives a real headless Chromium through an
// officer's day: unlock, fill each kind with a mistake and see it beside
// the field with everything kept, submit, print a receipt, sync to a real
// hub, see an approval and a correction request, correct and resubmit.
func TestOfficerInChromium(t *testing.T) {
	bctx := browsertest.Context(t)
	th := newTestHub(t)
	s := newSite(t, Config{})
	villages := synth.Villages(regions(t), "64.11")[:2]
	th.importRoster(t, worklistRoster(villages[0], "64.11.02.2001"))
	s.enroll(t, th, villages)
	g := synth.New(11, time.Now(), villages)

	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	var dialogs atomic.Int32
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
	value := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("browser, value of %s: %v", sel, err)
		}
		return v
	}
	// fill sets each field of a form as the officer would leave it.
	fill := func(kind record.Kind, f record.Fields) {
		t.Helper()
		spec, _ := record.SpecFor(kind)
		for _, fd := range spec.Fields {
			v, ok := f[fd.Path]
			sel := chromedp.CSS("#" + inputID(fd.Path))
			switch {
			case !ok:
			case fd.Type == record.TypeBool:
				if v == "true" {
					step("tick "+fd.Path, chromedp.Click(sel))
				}
			default:
				step("fill "+fd.Path, chromedp.SetValue(sel, v))
			}
		}
	}
	currentID := func() string {
		v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#record-form`), "data-id"))
		if err != nil {
			t.Fatal(err)
		}
		return v.Value
	}

	// syncNow presses the sync button, waits for that sync (not the last
	// one, still shown) to finish, then for the page to show its result
	// as the officer sees it: the running page reloads itself at the end,
	// so navigating away meanwhile would race that reload.
	syncNow := func(what string) {
		t.Helper()
		before := s.web.sync.snapshot().Started
		step(what, chromedp.Navigate(s.srv.URL+"/sync"), chromedp.Click(chromedp.CSS(`#sync`)))
		var finished time.Time
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			st := s.web.sync.snapshot()
			if st.Started.After(before) && !st.Running {
				finished = st.Finished
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no sync finished", what)
			}
		}
		shown := fmt.Sprintf(`document.readyState === 'complete' && document.querySelector('#progress[data-finished="%d"] #sync-done') !== null`,
			finished.UnixMilli())
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			// An evaluation cut by the page's own reload is asked again.
			if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](shown)); err == nil && ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the sync page never showed this sync's result", what)
			}
		}
	}
	step("unlock",
		chromedp.Navigate(s.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#passphrase`)),
		chromedp.SendKeys(chromedp.CSS(`#passphrase`), testPass+"\n"),
		chromedp.WaitVisible(chromedp.CSS(`#new-ektp`)))

	// Each kind: a mistake, the message beside the field, values kept.
	ids := map[record.Kind]string{}
	for _, kind := range []record.Kind{record.KindEKTP, record.KindBirth, record.KindDeath} {
		f := g.Record(kind)
		good := f.Clone()
		bad, badField := f.Clone(), map[record.Kind]string{record.KindEKTP: "nik", record.KindBirth: "mother.nik", record.KindDeath: "deceased_nik"}[kind]
		bad[badField] = "6411019913850005" // day 99: no such date
		step("open the "+string(kind)+" form", chromedp.Navigate(s.srv.URL+"/new/"+string(kind)), chromedp.WaitVisible(chromedp.CSS(`#submit`)))
		fill(kind, bad)
		step("send with a mistake", chromedp.Click(chromedp.CSS(`#submit`)), chromedp.WaitVisible(chromedp.CSS(`#problems`)))
		msg := text("#" + inputID(badField) + "-msg")
		if msg == "" {
			t.Fatalf("%s: no message beside %s", kind, badField)
		}
		nameField := map[record.Kind]string{record.KindEKTP: "full_name", record.KindBirth: "child_name", record.KindDeath: "deceased_name"}[kind]
		if got := value("#" + inputID(nameField)); got != f[nameField] {
			t.Fatalf("%s: name field kept %q, typed %q", kind, got, f[nameField])
		}
		if got := value("#" + inputID(badField)); got != "6411019913850005" {
			t.Fatalf("%s: the wrong NIK was not kept for fixing: %q", kind, got)
		}
		ids[kind] = currentID()
		step("fix it and send",
			chromedp.SetValue(chromedp.CSS("#"+inputID(badField)), good[badField]),
			chromedp.Click(chromedp.CSS(`#submit`)),
			chromedp.WaitVisible(chromedp.CSS(`#status[data-status="submitted"]`)))
	}

	step("print the receipt", chromedp.Click(chromedp.CSS(`#receipt`)), chromedp.WaitVisible(chromedp.CSS(`#code`)))
	death := s.record(t, ids[record.KindDeath])
	if code := text(`#code`); strings.ReplaceAll(code, "-", "") != strings.ReplaceAll(death.TrackingCode, "-", "") {
		t.Fatalf("receipt code %q, record %q", code, death.TrackingCode)
	}
	if body := text(`#receipt`); strings.Contains(body, death.Fields["deceased_nik"]) {
		t.Fatal("the receipt shows the NIK in full")
	}

	// The NIK is read back in words as it is typed, and a half-filled form
	// is saved on its own: a reload finds it.
	step("type a NIK",
		chromedp.Navigate(s.srv.URL+"/new/ektp"),
		chromedp.WaitVisible(chromedp.CSS(`#f-nik`)),
		chromedp.SendKeys(chromedp.CSS(`#f-nik`), "6411015203850005"),
		chromedp.SendKeys(chromedp.CSS(`#f-full_name`), "Setengah Isi"),
		chromedp.Poll[chromedp.Void](`document.getElementById('f-nik-readback').textContent.includes('Maret 1985')`),
		chromedp.Poll[chromedp.Void](`document.getElementById('autosave').textContent !== ''`))
	if rb := text(`#f-nik-readback`); !strings.Contains(rb, "perempuan") {
		t.Fatalf("NIK read back as %q", rb)
	}
	half := currentID()
	step("reload the half-filled form", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#f-full_name`)))
	if v := value(`#f-full_name`); v != "Setengah Isi" {
		t.Fatalf("after a reload the half-filled form has %q", v)
	}
	if r := s.record(t, half); r.Status != record.StatusDraft || r.Fields["nik"] != "6411015203850005" {
		t.Fatalf("draft %s %v", r.Status, r.Fields)
	}

	syncNow("sync")
	hctx := context.Background()

	// The worklist the sync brought: the village's residents due a KTP-el
	// or a birth certificate; an entry starts a form filled from the roster.
	step("open the worklist",
		chromedp.Navigate(s.srv.URL+"/"),
		chromedp.Click(chromedp.CSS(`a[href="/worklist"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#villages`)),
		chromedp.Click(chromedp.CSS(`a[href="/worklist?village=`+villages[0]+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#entries`)))
	if rows := text(`#entries tbody`); !strings.Contains(rows, "Ma'ruf <b>Ngau</b>") || !strings.Contains(rows, "Lusia Ngau") || strings.Contains(rows, "6411011405900003") {
		t.Fatalf("worklist rows: %q", rows)
	}
	step("start a form from the worklist",
		chromedp.Click(chromedp.CSS(`#entries a[href^="/new/ektp?from="]`)),
		chromedp.WaitVisible(chromedp.CSS(`#from-worklist`)))
	for path, want := range map[string]string{"nik": "6411011405900003", "kk_number": "6411010101200001", "full_name": "Ma'ruf <b>Ngau</b>",
		"birth_date": "1990-05-14", "sex": "L", "village_code": villages[0]} {
		if got := value("#" + inputID(path)); got != want {
			t.Fatalf("worklist prefill: %s is %q, want %q", path, got, want)
		}
	}
	// The roster let markup into the name; the form's rule does not, and
	// says so beside the name with everything kept.
	rest := g.EKTP()
	for _, p := range []string{"nik", "kk_number", "full_name", "birth_date", "sex", "village_code"} {
		delete(rest, p)
	}
	fill(record.KindEKTP, rest)
	step("send the roster's name", chromedp.Click(chromedp.CSS(`#submit`)), chromedp.WaitVisible(chromedp.CSS(`#f-full_name-msg .field-error`)))
	if got := value(`#f-nik`); got != "6411011405900003" {
		t.Fatalf("after the refusal the NIK is %q", got)
	}
	fromWorklist := currentID()
	step("fix the name and send",
		chromedp.SetValue(chromedp.CSS(`#f-full_name`), "Ma'ruf Ngau"),
		chromedp.Click(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#status[data-status="submitted"]`)))
	if r := s.record(t, fromWorklist); r.Fields["nik"] != "6411011405900003" || r.Fields["full_name"] != "Ma'ruf Ngau" {
		t.Fatalf("the worklist record: %v", r.Fields)
	}
	step("the worklist shows the record, not a second form",
		chromedp.Navigate(s.srv.URL+"/worklist?village="+villages[0]),
		chromedp.WaitVisible(chromedp.CSS(`#entries a.started[href="/records/`+fromWorklist+`"][data-status="submitted"]`)))
	syncNow("sync the worklist record")
	if _, err := th.hub.Decide(hctx, fromWorklist, record.StatusApproved, "", nil, "operator"); err != nil {
		t.Fatal(err)
	}
	if _, err := th.hub.Decide(hctx, ids[record.KindEKTP], record.StatusApproved, "", nil, "operator"); err != nil {
		t.Fatal(err)
	}
	if _, err := th.hub.Decide(hctx, ids[record.KindBirth], record.StatusNeedsCorrection, "Nama ayah tidak terbaca", []string{"father.name"}, "operator"); err != nil {
		t.Fatal(err)
	}
	syncNow("sync again")
	if done := text(`#sync-done`); !strings.Contains(done, "3 keputusan") {
		t.Fatalf("sync result: %q", done)
	}
	step("the registered resident leaves the worklist", chromedp.Navigate(s.srv.URL+"/worklist?village="+villages[0]), chromedp.WaitVisible(chromedp.CSS(`#entries`)))
	if rows := text(`#entries tbody`); strings.Contains(rows, "Ma'ruf") || !strings.Contains(rows, "Lusia Ngau") {
		t.Fatalf("worklist after the approval: %q", rows)
	}
	step("see the approval", chromedp.Navigate(s.srv.URL+"/records/"+ids[record.KindEKTP]), chromedp.WaitVisible(chromedp.CSS(`#registration-number`)))
	if n := text(`#registration-number`); !strings.Contains(n, "-KTP-") {
		t.Fatalf("registration number %q", n)
	}
	step("see the correction request", chromedp.Navigate(s.srv.URL+"/records/"+ids[record.KindBirth]), chromedp.WaitVisible(chromedp.CSS(`#reason`)))
	if reason := text(`#reason`); reason != "Nama ayah tidak terbaca" {
		t.Fatalf("reason %q", reason)
	}
	step("correct and resubmit",
		chromedp.Click(chromedp.CSS(`#edit`)),
		chromedp.WaitVisible(chromedp.CSS(`#correction`)),
		chromedp.SetValue(chromedp.CSS(`#f-father-name`), "Paulus Ding"),
		chromedp.Click(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#status[data-status="submitted"]`)))
	syncNow("sync the correction")
	hr, err := th.hub.Find(hctx, ids[record.KindBirth])
	if err != nil {
		t.Fatal(err)
	}
	if hr.State.Status != record.StatusReceived || hr.State.Values()["father.name"] != "Paulus Ding" {
		t.Fatalf("hub after the correction: %s father %q", hr.State.Status, hr.State.Values()["father.name"])
	}
	// Usable on the laptop's 1366x768 screen and on a phone: no page
	// scrolls sideways.
	for _, size := range [][2]int64{{1366, 768}, {390, 844}} {
		step("resize", chromedp.EmulateViewport(size[0], size[1]))
		for _, path := range []string{"/", "/new/birth", "/records", "/records/" + ids[record.KindBirth], "/sync", "/worklist"} {
			step("open "+path, chromedp.Navigate(s.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(`main`)))
			wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if wide {
				t.Errorf("%s at %dx%d scrolls sideways", path, size[0], size[1])
			}
		}
	}
	if dialogs.Load() != 0 {
		t.Fatalf("%d script dialogs", dialogs.Load())
	}
}
