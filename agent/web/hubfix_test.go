package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
)

// An operator's fix and an operator's resolution of a conflict reach the
// record page: which field, who, and that the value shown is the hub's
// choice between two.
func TestRecordShowsHubFixesAndResolvedConflict(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	villages := synth.Villages(regions(t), "64.11")[:1]
	s := newSite(t, Config{})
	s.enroll(t, th, villages)
	f := synth.New(8, time.Now(), villages).EKTP()
	rec := s.capture(t, record.KindEKTP, f)
	s.syncNow(t)

	// The operator fixes the occupation (no conflict), then sets the
	// address while the officer, offline, types another one.
	if _, err := th.hub.Edit(ctx, rec.ID, record.Fields{"occupation": "Penyuluh Kampung"}, "Operator Rina"); err != nil {
		t.Fatal(err)
	}
	if _, err := th.hub.Edit(ctx, rec.ID, record.Fields{"address": "Jl. Hub No. 1"}, "Operator Rina"); err != nil {
		t.Fatal(err)
	}
	st, err := s.db.Unlock(ctx, []byte(testPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.New(st, regions(t)).Edit(ctx, rec.ID, record.Fields{"address": "Jl. Laptop No. 2"}, true); err != nil {
		t.Fatal(err)
	}
	s.syncNow(t)
	hr, err := th.hub.Find(ctx, rec.ID)
	if err != nil || !hr.HasFlag(hub.FlagConflict) {
		t.Fatalf("no conflict at the hub: %v %v", hr.Flags, err)
	}
	if _, err := th.hub.Edit(ctx, rec.ID, record.Fields{"address": "Jl. Damai No. 3"}, "Operator Rina"); err != nil {
		t.Fatal(err)
	}
	s.syncNow(t)
	if got := s.record(t, rec.ID).Fields["address"]; got != "Jl. Damai No. 3" {
		t.Fatalf("the laptop's address after the resolution: %q", got)
	}

	c := s.browser(t)
	s.unlock(t, c, testPass)
	res, page := get(t, c, s.srv.URL+"/records/"+rec.ID)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("record page: %d", res.StatusCode)
	}
	if n := strings.Count(page, `class="card hubfix"`); n != 2 {
		t.Errorf("%d operator changes shown, want 2: the occupation and the resolution (the address edit the officer overwrote changed nothing here)", n)
	}
	if !strings.Contains(page, "Diubah operator hub</strong>: Pekerjaan.") {
		t.Error("the occupation fix is not shown")
	}
	if !strings.Contains(page, `Konflik diselesaikan</strong>: Alamat.`) || !strings.Contains(page, "Operator Rina") {
		t.Errorf("the resolution is not shown:\n%s", page)
	}
	if strings.Count(page, "Konflik diselesaikan") != 1 {
		t.Error("a fix that settled nothing is shown as a resolution")
	}
	if !strings.Contains(page, "Yang tampil di bawah adalah pilihan operator") {
		t.Error("the page does not point the officer at the operator's value")
	}

	// Once approved, the laptop purges the fields; the changes stay
	// listed, without pointing at values no longer here.
	if _, probs, err := agent.New(st, regions(t)).Submit(ctx, rec.ID, true); err != nil {
		t.Fatalf("submit: %v %+v", err, probs)
	}
	s.syncNow(t)
	if _, err := th.hub.Decide(ctx, rec.ID, record.StatusApproved, "", nil, "Operator Rina"); err != nil {
		t.Fatal(err)
	}
	s.syncNow(t)
	_, page = get(t, c, s.srv.URL+"/records/"+rec.ID)
	if !strings.Contains(page, `id="registration-number"`) || strings.Count(page, `class="card hubfix"`) != 2 ||
		!strings.Contains(page, "Konflik diselesaikan") || strings.Contains(page, "Yang tampil di bawah") || strings.Contains(page, "Jl. Damai") ||
		!strings.Contains(page, "Data pribadi sudah dihapus") {
		t.Errorf("the approved, purged record's page:\n%s", page)
	}
}
