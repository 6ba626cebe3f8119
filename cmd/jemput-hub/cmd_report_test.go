package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/cli"
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
)

// runCmd runs one command function (not yet in commands()) as run would.
func runCmd(t testing.TB, name string, fn func(context.Context, stdio, []string) error, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	s := stdio{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return hubEnv[k] }}
	code := cli.Exit(fn(context.Background(), s, args), &errb, "jemput-hub "+name)
	return result{out.String(), errb.String(), code}
}

func writeFile(t testing.TB, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type targetsOut struct {
	Imported  int `json:"imported"`
	Estimated int `json:"wajib_ktp_estimated"`
}

func TestTargetsImport(t *testing.T) {
	dir := newHub(t)
	good := writeFile(t, t.TempDir(), "good.csv", "kode,tahun,penduduk,wajib_ktp,cbr,cdr\n64.11,2026,39715,28000,20,5\n641101,2026,10000,,,\n")
	r := runCmd(t, "targets", cmdTargets, "import", "--data", dir, good, "--json")
	var got targetsOut
	if r.code != 0 || json.Unmarshal([]byte(r.out), &got) != nil || got.Imported != 2 || got.Estimated != 1 {
		t.Fatalf("import: exit %d %q %s", r.code, r.out, r.err)
	}
	// Bad files: the error names line and column; nothing changes.
	for _, c := range []struct{ body, want string }{
		{"kode,tahun,penduduk\n64.11,2026,1\n64.99,2026,5\n", "line 3, column kode: unknown region code \"64.99\""},
		{"kode,tahun,penduduk\n64.11,2026,1\n64.11.02,2026,-5\n", "line 3, column penduduk: -5 is negative"},
		{"kode,tahun,penduduk,cbr\n64.11,2026,1,x\n", "line 2, column cbr"},
	} {
		bad := writeFile(t, t.TempDir(), "bad.csv", c.body)
		r := runCmd(t, "targets", cmdTargets, "import", "--data", dir, bad)
		if r.code != 1 || !strings.Contains(r.err, c.want) || !strings.Contains(r.err, "nothing was imported") {
			t.Errorf("%q: exit %d, stderr %q, want %q", c.body, r.code, r.err, c.want)
		}
	}
	st, err := sqlite.Open(context.Background(), dbPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts, err := st.Targets(context.Background(), []string{"64.11", "64.11.01", "64.11.02"}, 2026)
	if err != nil || len(ts) != 2 || ts["64.11"].Population != 39715 || ts["64.11.01"].WajibKTP != 7000 {
		t.Errorf("targets after bad imports: %+v %v", ts, err)
	}
	for _, args := range [][]string{{}, {"import"}, {"import", "--default", good}, {"export"}, {"import", "--year", "20", "--default"}} {
		if r := runCmd(t, "targets", cmdTargets, append(args, "--data", dir)...); r.code != 2 {
			t.Errorf("targets %v: exit %d, want 2", args, r.code)
		}
	}
}

func TestTargetsImportDefault(t *testing.T) {
	dir := newHub(t)
	r := runCmd(t, "targets", cmdTargets, "import", "--data", dir, "--default", "--year", "2026")
	if r.code != 0 || !strings.Contains(r.out, "Imported 552 targets") || !strings.Contains(r.out, "70%") {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.err)
	}
}

// putHubRecords stores hand-built records in the hub at dir.
func putHubRecords(t testing.TB, dir string, recs [][4]string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dbPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update(ctx, func(tx hub.Tx) error {
		for _, r := range recs { // kind, status, village, "captured event_date"
			capt, event, _ := strings.Cut(r[3], " ")
			d, _ := time.Parse(time.DateOnly, capt)
			ts := hlc.New(d.Add(9*time.Hour).UnixMilli(), 0)
			s := &merge.State{ID: uuid.NewString(), Kind: record.Kind(r[0]), DeviceID: "dev-1", Created: ts, Updated: ts,
				Status: record.Status(r[1]), Fields: map[string]merge.Field{"village_code": {Write: merge.Write{Value: r[2]}}}}
			s.TrackingCode = s.ID[:12]
			switch s.Kind {
			case record.KindBirth:
				s.Fields["birth_date"] = merge.Field{Write: merge.Write{Value: event}}
			case record.KindDeath:
				s.Fields["death_date"] = merge.Field{Write: merge.Write{Value: event}}
			default:
				s.Fields["marital_status"] = merge.Field{Write: merge.Write{Value: "kawin"}}
			}
			if s.Status == record.StatusReceived {
				s.Events = []merge.Event{{HLC: ts, To: record.StatusReceived}}
			}
			if err := tx.PutRecord(hub.Record{State: s}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func coverageHub(t *testing.T) string {
	dir := newHub(t)
	tf := writeFile(t, t.TempDir(), "t.csv", "kode,tahun,penduduk,wajib_ktp,cbr,cdr\n64.11,2026,39715,28000,20,5\n64.11.01,2026,10000,7000,18,6\n")
	if r := runCmd(t, "targets", cmdTargets, "import", "--data", dir, tf); r.code != 0 {
		t.Fatal(r.err)
	}
	putHubRecords(t, dir, [][4]string{
		{"ektp", "approved", "64.11.01.2001", "2026-03-01"},
		{"ektp", "received", "64.11.01.2002", "2026-03-05"},
		{"ektp", "needs_correction", "64.11.02.2001", "2026-04-01"},
		{"birth", "approved", "64.11.01.2001", "2026-03-01 2026-02-01"},
		{"birth", "received", "64.11.02.2001", "2026-06-01 2025-12-01"},
		{"birth", "approved", "64.11.03.2001", "2026-04-01 2020-01-01"},
		{"birth", "rejected", "64.11.03.2001", "2026-04-01 2020-01-01"},
		{"death", "approved", "64.11.01.2001", "2026-05-20 2026-05-01"},
		{"death", "received", "64.11.04.2001", "2026-03-15 2026-01-01"},
		{"death", "withdrawn", "64.11.05.2001", "2026-03-15 2026-01-01"},
		{"birth", "approved", "64.07.01.2001", "2026-02-01 2026-01-20"},
	})
	return dir
}

func TestReportCoverageCSVGolden(t *testing.T) {
	dir := coverageHub(t)
	r := runCmd(t, "report", cmdReport, "coverage", "--data", dir, "--region", "64.11", "--from", "2026-01-01", "--to", "2026-12-31", "--csv")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	golden := filepath.Join("testdata", "coverage_64.11.csv")
	if os.Getenv("JEMPUT_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, []byte(r.out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if r.out != string(want) {
		t.Errorf("CSV differs from %s (JEMPUT_UPDATE_GOLDEN=1 to rewrite):\n%s", golden, r.out)
	}
	rows, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if err != nil || len(rows) != 1+5 || len(rows[0]) != len(hub.CoverageCSVHeader) {
		t.Errorf("not one header and one row per district: %v %v", len(rows), err)
	}
}

func TestReportCoverageTableAndJSON(t *testing.T) {
	dir := coverageHub(t)
	r := runCmd(t, "report", cmdReport, "coverage", "--data", dir, "--region", "64", "--from", "2026-01-01", "--to", "2026-12-31")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	for _, want := range []string{"Kabupaten Mahakam Ulu", "1/28000 0.0%", "(no target)", "TOTAL"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("table lacks %q:\n%s", want, r.out)
		}
	}
	var rep hub.CoverageReport
	r = runCmd(t, "report", cmdReport, "coverage", "--data", dir, "--from", "2026-01-01", "--to", "2026-12-31", "--json")
	if r.code != 0 || json.Unmarshal([]byte(r.out), &rep) != nil {
		t.Fatalf("exit %d: %s %s", r.code, r.err, r.out)
	}
	if len(rep.Rows) != 38 || captured(rep.Total.Counts) != 11 {
		t.Errorf("Indonesia: %d rows, %d captured", len(rep.Rows), captured(rep.Total.Counts))
	}
}

func TestReportCoverageUsage(t *testing.T) {
	dir := newHub(t)
	for _, args := range [][]string{
		{"coverage", "--region", "64.99"},
		{"coverage", "--region", "64-11"},
		{"coverage", "--region", "64.11.01.2001"},
		{"coverage", "--from", "2026-13-01"},
		{"coverage", "--to", "kemarin"},
		{"coverage", "--from", "2026-06-01", "--to", "2026-05-01"},
		{"coverage", "--csv", "--json"},
		{"coverage", "extra"},
		{"coverage", "--region"},
		{"chart"},
		{},
	} {
		if r := runCmd(t, "report", cmdReport, append(args, "--data", dir)...); r.code != 2 {
			t.Errorf("report %v: exit %d, want 2 (%s)", args, r.code, r.err)
		}
	}
}
