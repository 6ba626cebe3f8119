package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestReportDevicesAndMonthly(t *testing.T) {
	dir := newHub(t)
	out := mustHub(t, "report", "monthly", "--data", dir, "--region", "64.11", "--from", "2026-01-01", "--to", "2026-03-31", "--json")
	var months []struct {
		Month string
		Total int64
	}
	if err := json.Unmarshal([]byte(out), &months); err != nil || len(months) != 3 {
		t.Fatalf("monthly: %v %q", err, out)
	}
	if csv := mustHub(t, "report", "monthly", "--data", dir, "--from", "2026-01-01", "--to", "2026-02-01", "--csv"); !strings.HasPrefix(csv, "month,ektp,birth,death,total\r\n2026-01,0,0,0,0\r\n") {
		t.Fatalf("monthly csv: %q", csv)
	}
	if out := mustHub(t, "report", "devices", "--data", dir, "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("devices on an empty hub: %q", out)
	}
	for _, args := range [][]string{
		{"report", "monthly", "--from", "2026-13-01"},
		{"report", "devices", "--region", "99.99"},
		{"report", "monthly", "--from", "2026-05-01", "--to", "2026-04-01"},
		{"report", "devices", "stray"},
	} {
		if r := runHub(t, append(args, "--data", dir)...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
	}
}
