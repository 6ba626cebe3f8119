package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
)

func TestResidentStatusShowsNoPersonalData(t *testing.T) {
	s := newSite(t)
	id := s.capture(t, record.Fields{"full_name": "Siti Aminah"})
	r, _ := s.hub.Find(context.Background(), id)
	code := tracking.Code(r.State.TrackingCode).String()
	b := s.browser(t)
	check := func(c string) (int, string) {
		return b.get("/cek?kode=" + url.QueryEscape(c))
	}
	status, body := check(strings.ToLower(strings.ReplaceAll(code, "-", " ")))
	if status != 200 || !strings.Contains(body, "Sedang ditinjau") {
		t.Fatalf("received record: %d", status)
	}
	for _, secret := range []string{"Siti", "Aminah", "6411015203850002", id} {
		if strings.Contains(body, secret) {
			t.Fatalf("the public page shows %q", secret)
		}
	}
	if _, err := s.hub.Decide(context.Background(), id, record.StatusNeedsCorrection, "Foto Siti buram", []string{"address"}, "op"); err != nil {
		t.Fatal(err)
	}
	_, body = check(code)
	if !strings.Contains(body, "Perlu perbaikan") || !strings.Contains(body, "Alamat") || strings.Contains(body, "Siti") {
		t.Fatalf("needs correction: want the status and the field to fix, never the operator's reason")
	}
	if _, body := check("ABCD-EFGH-JKLM"); !strings.Contains(body, "tidak valid") && !strings.Contains(body, "belum sampai") {
		t.Fatalf("unknown code answered wrongly")
	}
	// Lookups are limited per address.
	var last int
	for i := 0; i < 25; i++ {
		last, _ = check(code)
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("after 28 lookups: %d, want 429", last)
	}
	if status, body := b.get("/layanan"); status != 200 || !strings.Contains(body, "gratis") || !strings.Contains(body, "Akta kelahiran") {
		t.Fatalf("service standards page: %d", status)
	}
}
