package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const rosterHeader = "nik,kk_number,name,sex,birth_date,village_code,has_ktp_el,has_birth_certificate\n"

func TestRosterImport(t *testing.T) {
	dir := newHub(t)
	files := t.TempDir()
	good := writeFile(t, files, "roster.csv", rosterHeader+
		"6411015203850002,6411010101200003,Siti Aminah,P,1985-03-12,64.11.01.2001,1,1\n"+
		"6411010407900001,6411010101200003,Ma'ruf Hulau,L,1990-07-04,64.11.01.2001,0,1\n"+
		"6411010407900009,6411010101200003,Wrong Date,L,1990-07-05,64.11.01.2001,0,1\n"+
		"6411010106150003,6411010101200003,Yohanes Lawing,L,2015-06-01,64.11.01.9999,0,0\n")
	r := runCmd(t, "roster", cmdRoster, "import", "--data", dir, good)
	if r.code != 0 || r.err != "" {
		t.Fatalf("import: exit %d, stderr %q", r.code, r.err)
	}
	for _, want := range []string{
		"2 added, 0 updated, 0 unchanged, 2 skipped",
		"skipped " + good + ": line 4, column nik: the NIK's birth date 04-07-90 does not match birth_date 1990-07-05",
		"skipped " + good + ": line 5, column village_code: village code \"64.11.01.9999\" is not in the region list",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output %q does not say %q", r.out, want)
		}
	}
	// Again, as JSON: nothing changes.
	r = runCmd(t, "roster", cmdRoster, "import", "--data", dir, good, "--json")
	var rep struct {
		Added, Updated, Unchanged, Skipped int
		SkippedRows                        []struct {
			Line   int    `json:"line"`
			Column string `json:"column"`
			Reason string `json:"reason"`
		} `json:"skipped_rows"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.out), &rep) != nil || rep.Added != 0 || rep.Unchanged != 2 || rep.Skipped != 2 ||
		len(rep.SkippedRows) != 2 || rep.SkippedRows[1].Line != 5 || rep.SkippedRows[1].Column != "village_code" {
		t.Fatalf("second import: exit %d %q %s", r.code, r.out, r.err)
	}
	// Files that cannot be read at all, or with no good row: exit 1, one line.
	for _, c := range []struct{ name, body, want string }{
		{"targets.csv", "kode,tahun,penduduk\n64.11,2026,5\n", `unknown column "kode"`},
		{"empty.csv", "", "empty file"},
		{"header.csv", rosterHeader, "has no residents"},
		{"allbad.csv", rosterHeader + "1,2,3,4,5,6,7,8\n", "none of the 1 rows"},
	} {
		p := writeFile(t, files, c.name, c.body)
		r := runCmd(t, "roster", cmdRoster, "import", "--data", dir, p)
		if r.code != 1 || !strings.Contains(r.err, c.want) || strings.Count(strings.TrimRight(r.err, "\n"), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q, want one line with %q", c.name, r.code, r.err, c.want)
		}
	}
	if r := runCmd(t, "roster", cmdRoster, "import", "--data", dir, filepath.Join(files, "missing.csv")); r.code != 1 || !strings.Contains(r.err, "missing.csv") {
		t.Errorf("missing file: exit %d %q", r.code, r.err)
	}
	if r := runCmd(t, "roster", cmdRoster, "refresh", "--data", dir); r.code != 0 || !strings.Contains(r.out, "no change on any laptop") {
		t.Errorf("refresh: exit %d %q %q", r.code, r.out, r.err)
	}
	for _, args := range [][]string{{}, {"import"}, {"import", good, good}, {"export"}, {"refresh", "now"}} {
		if r := runCmd(t, "roster", cmdRoster, append(args, "--data", dir)...); r.code != 2 {
			t.Errorf("roster %v: exit %d, want 2", args, r.code)
		}
	}
}
