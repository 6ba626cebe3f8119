package web

import (
	"strings"
	"testing"

	"github.com/jemputbola/jemput/hub"
)

func TestBarChartEscapesAndScales(t *testing.T) {
	half, over := 50.0, 140.0
	rows := []hub.CoverageRow{
		{Name: `Kampung <script>alert(1)</script> & "B"`, KTPCoverage: &half},
		{Name: "Long Apari", KTPCoverage: &over},
		{Name: "Laham"}, // no target: drawn by count
	}
	rows[2].Counts.KTP.Approved = 7
	svg := string(barChart(rows, chartsFor("id")[0]))
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "&lt;script&gt;") || !strings.Contains(svg, "&amp;") {
		t.Fatalf("names not escaped: %s", svg)
	}
	if !strings.Contains(svg, `width="210"`) || !strings.Contains(svg, `width="420" height="16" fill="#0b5d3b"`) {
		t.Fatalf("bars not scaled to 50%% and capped at 100%%: %s", svg)
	}
	if !strings.Contains(svg, "7 disetujui") || !strings.Contains(svg, "140.0%") {
		t.Fatalf("labels: %s", svg)
	}
}
