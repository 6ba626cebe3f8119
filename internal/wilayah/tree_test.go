package wilayah

import (
	"bufio"
	"strings"
	"sync"
	"testing"
)

// loaded shares one Tree between tests; Load itself keeps no state.
var loaded = sync.OnceValues(Load)

func mustLoad(tb testing.TB) *Tree {
	tb.Helper()
	t, err := loaded()
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func TestLoadCounts(t *testing.T) {
	tr := mustLoad(t)
	if got, want := tr.Len(), 38+514+7285+83762; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	count := map[Level]int{}
	for i, r := range tr.regions {
		count[r.Level]++
		if i > 0 && tr.regions[i-1].Code >= r.Code {
			t.Fatalf("regions not sorted by code at %s, %s", tr.regions[i-1].Code, r.Code)
		}
	}
	want := map[Level]int{Province: 38, Regency: 514, District: 7285, Village: 83762}
	for l, n := range want {
		if count[l] != n {
			t.Errorf("%d %s regions, want %d", count[l], l, n)
		}
	}
	if got := len(tr.Children("")); got != 38 {
		t.Errorf("Children(\"\") has %d provinces, want 38", got)
	}
	if !strings.Contains(LicenseText(), "MIT License") || !strings.Contains(LicenseText(), "Cahya DSN") {
		t.Errorf("LicenseText() is not the cahyadsn/wilayah MIT notice")
	}
}

func TestParseMatchesLoad(t *testing.T) {
	tr, err := Parse(strings.NewReader(currentCSV), strings.NewReader(retiredCSV))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != mustLoad(t).Len() {
		t.Errorf("Parse gives %d regions, Load %d", tr.Len(), mustLoad(t).Len())
	}
}

func TestMahakamUlu(t *testing.T) {
	tr := mustLoad(t)
	r, ok := tr.Lookup("64.11")
	if !ok || r != (Region{Code: "64.11", Name: "Kabupaten Mahakam Ulu", Level: Regency}) {
		t.Fatalf("Lookup(64.11) = %+v, %v", r, ok)
	}
	districts := tr.Children("64.11")
	if len(districts) != 5 {
		t.Fatalf("Children(64.11) = %d districts, want 5: %v", len(districts), districts)
	}
	villages := 0
	for _, d := range districts {
		if d.Level != District || !strings.HasPrefix(d.Code, "64.11.") {
			t.Errorf("child %+v of 64.11 is not one of its districts", d)
		}
		vs := tr.Children(d.Code)
		for i, v := range vs {
			if v.Level != Village || !strings.HasPrefix(v.Code, d.Code+".") {
				t.Errorf("child %+v of %s is not one of its villages", v, d.Code)
			}
			if i > 0 && vs[i-1].Code >= v.Code {
				t.Errorf("Children(%s) not sorted: %s before %s", d.Code, vs[i-1].Code, v.Code)
			}
			if got := tr.Children(v.Code); got != nil {
				t.Errorf("Children(village %s) = %v, want nil", v.Code, got)
			}
		}
		villages += len(vs)
	}
	if villages != 50 {
		t.Errorf("Mahakam Ulu has %d villages, want 50", villages)
	}

	path := tr.Path("6411012001")
	want := []string{"64", "64.11", "64.11.01", "64.11.01.2001"}
	if len(path) != 4 {
		t.Fatalf("Path(6411012001) = %v, want 4 levels", path)
	}
	for i, r := range path {
		if r.Code != want[i] || r.Level != Level(i+1) {
			t.Errorf("Path[%d] = %+v, want code %s at level %d", i, r, want[i], i+1)
		}
	}
	if path[1].Name != "Kabupaten Mahakam Ulu" || path[3].Name != "Long Hurai" {
		t.Errorf("Path names = %q, %q", path[1].Name, path[3].Name)
	}
}

func TestLookupParentPath(t *testing.T) {
	tr := mustLoad(t)
	cases := []struct {
		code       string
		want       string // canonical code, "" if not found
		level      Level
		parent     string // "" if none
		pathLength int
	}{
		{"64", "64", Province, "", 1},
		{"64.11", "64.11", Regency, "64", 2},
		{"6411", "64.11", Regency, "64", 2},
		{"64 11 01", "64.11.01", District, "64.11", 3},
		{"64.11.01.2001", "64.11.01.2001", Village, "64.11.01", 4},
		{"6411012001", "64.11.01.2001", Village, "64.11.01", 4},
		{"64 11 01 2001", "64.11.01.2001", Village, "64.11.01", 4},
		{"11.01.02.2018", "11.01.02.2018", Village, "11.01.02", 4},
		{"99", "", 0, "", 0},
		{"64.11.99", "", 0, "", 0}, // parent exists, the district does not
		{"64.1", "", 0, "", 0},
		{"", "", 0, "", 0},
	}
	for _, c := range cases {
		r, ok := tr.Lookup(c.code)
		if ok != (c.want != "") || r.Code != c.want || r.Level != c.level {
			t.Errorf("Lookup(%q) = %+v, %v; want %q at %s", c.code, r, ok, c.want, c.level)
		}
		p, ok := tr.Parent(c.code)
		if ok != (c.parent != "") || p.Code != c.parent {
			t.Errorf("Parent(%q) = %+v, %v; want %q", c.code, p, ok, c.parent)
		}
		if got := tr.Path(c.code); len(got) != c.pathLength || (c.pathLength == 0) != (got == nil) {
			t.Errorf("Path(%q) = %v, want %d regions", c.code, got, c.pathLength)
		}
	}
	if got := tr.Children("99"); got != nil {
		t.Errorf("Children(unknown) = %v, want nil", got)
	}
}

func TestDistrictPrefix(t *testing.T) {
	tr := mustLoad(t)
	cases := []struct {
		prefix           string
		current, retired bool
	}{
		{"641101", true, false},
		{"64.11.01", true, false},
		{"91.01.01", false, true},
		{"910101", false, true},
		{"999999", false, false},
		{"", false, false},
		{"64.11", false, false},         // a regency, not a district
		{"64.11.01.2001", false, false}, // a village
		{"64.11.1", false, false},
	}
	for _, c := range cases {
		cur, ret := tr.DistrictPrefix(c.prefix)
		if cur != c.current || ret != c.retired {
			t.Errorf("DistrictPrefix(%q) = %v, %v; want %v, %v", c.prefix, cur, ret, c.current, c.retired)
		}
	}

	// Every row of the retired list is retired and, as the data promises,
	// not current.
	sc := bufio.NewScanner(strings.NewReader(retiredCSV))
	sc.Scan() // header
	n := 0
	for sc.Scan() {
		code, _, _ := strings.Cut(sc.Text(), ",")
		cur, ret := tr.DistrictPrefix(code)
		if cur || !ret {
			t.Errorf("DistrictPrefix(%q) = %v, %v; want false, true", code, cur, ret)
		}
		n++
	}
	if n != 594 {
		t.Errorf("retired list has %d rows, want 594", n)
	}
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	tr := mustLoad(b)
	codes := []string{"64.11.01.2001", "6411012001", "64 11 01 2001", "11.01.02.2018", "64.11", "99.99.99.9999"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tr.Lookup(codes[i%len(codes)])
		i++
	}
}
