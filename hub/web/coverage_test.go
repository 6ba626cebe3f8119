package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/targets"
	"github.com/jemputbola/jemput/internal/wilayah"
)

func TestCoveragePageAndCSV(t *testing.T) {
	s := newSite(t)
	tree, _ := wilayah.Load()
	ts, err := targets.Default(tree, time.Now().Year())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.hub.ImportTargets(context.Background(), "default", ts); err != nil {
		t.Fatal(err)
	}
	id := s.capture(t, nil) // 64.11.01.2001
	budi := s.browser(t)    // supervisor of 64.11
	budi.login("budi", pw)
	code, body := budi.get("/coverage")
	if code != 200 || !strings.Contains(body, `id="chart"`) || !strings.Contains(body, `id="chart-births"`) || !strings.Contains(body, `id="chart-months"`) || !strings.Contains(body, "Long Bagun") {
		t.Fatalf("coverage page: %d", code)
	}
	if !strings.Contains(body, `id="flow"`) || !strings.Contains(body, "Yakobus") {
		t.Fatalf("no per-officer flow with the laptop that captured the record")
	}
	if !strings.Contains(body, "/coverage?from=") && !strings.Contains(body, "region=64.11.01") {
		t.Fatalf("no drill-down link to the district")
	}
	// Out of region, by URL: refused, page and CSV.
	for _, p := range []string{"/coverage?region=64.02", "/coverage.csv?region=64.02", "/coverage?region=64", "/coverage.csv?region=64"} {
		if code, _ := budi.get(p); code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", p, code)
		}
	}
	if code, _ := budi.get("/coverage?region=99.99"); code != http.StatusBadRequest {
		t.Errorf("unknown region: %d", code)
	}
	// The approved record moves the KTP-el figure of its district.
	before := ktpApproved(t, budi, "64.11.01")
	if _, err := s.hub.Decide(context.Background(), id, record.StatusApproved, "", nil, "op"); err != nil {
		t.Fatal(err)
	}
	if after := ktpApproved(t, budi, "64.11.01"); after != before+1 {
		t.Fatalf("KTP-el approved in 64.11.01: %d then %d, want +1", before, after)
	}
}

// ktpApproved reads the ktp_approved cell of region's row in the CSV download.
func ktpApproved(t *testing.T, b *browser, region string) int {
	t.Helper()
	code, body := b.get("/coverage.csv?region=64.11")
	if code != 200 {
		t.Fatalf("csv: %d", code)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("csv: %v %d rows", err, len(rows))
	}
	col := -1
	for i, h := range rows[0] {
		if h == "ktp_approved" {
			col = i
		}
	}
	for _, r := range rows[1:] {
		if r[0] == region {
			n := 0
			for _, c := range r[col] {
				n = n*10 + int(c-'0')
			}
			return n
		}
	}
	t.Fatalf("no row for %s", region)
	return 0
}
