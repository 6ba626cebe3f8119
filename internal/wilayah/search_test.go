package wilayah

import (
	"slices"
	"strings"
	"testing"
)

func codes(rs []Region) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

func hasCode(rs []Region, code string) bool {
	return slices.ContainsFunc(rs, func(r Region) bool { return r.Code == code })
}

func TestSearchFolding(t *testing.T) {
	tr := mustLoad(t)
	const pasi = "11.01.02.2018" // Pasi Kuala Ba'u
	for _, q := range []string{"pasi kuala bau", "Ba'u", "PASI  KUALA   BA'U", " pasi-kuala.bau ", "Pasi Kuala Ba'u", "kuala ba"} {
		if got := tr.Search(q, "", 0); !hasCode(got, pasi) {
			t.Errorf("Search(%q) misses Pasi Kuala Ba'u (%d results)", q, len(got))
		}
	}
	// Typographic apostrophes fold like ASCII ones: "Regapu’u".
	for _, q := range []string{"regapuu", "Regapu'u", "regapu’u"} {
		if got := tr.Search(q, "", 0); !hasCode(got, "53.07.01.2021") {
			t.Errorf("Search(%q) = %v, misses Regapu’u", q, got)
		}
	}
	// Names with commas inside CSV quotes: "Lubuk Pakam I,II".
	if got := tr.Search("lubuk pakam i ii", "", 0); !hasCode(got, "12.07.28.1007") {
		t.Errorf("Search(lubuk pakam i ii) = %v", got)
	}
	for _, q := range []string{"", "  ", "'", "--", "\x00"} {
		if got := tr.Search(q, "", 0); got != nil {
			t.Errorf("Search(%q) = %d results, want none", q, len(got))
		}
	}
	if got := tr.Search("tidak ada nama begini", "", 0); len(got) != 0 {
		t.Errorf("Search(nonsense) = %v", got)
	}
}

func TestSearchRanking(t *testing.T) {
	const csv = "kode,nama\n" +
		"11,Aceh\n11.01,Kabupaten Contoh\n" +
		"11.01.01,Sukamaju\n" +
		"11.01.01.2001,Majulah Terus Sampai Jauh\n" +
		"11.01.01.2002,Tanjung Maju Jaya\n" +
		"11.01.01.2003,Semaju\n" +
		"11.01.01.2004,Maju\n" +
		"11.01.01.2005,Lain\n" +
		"11.01.01.2006,Maju-Maju\n"
	tr, err := Parse(strings.NewReader(csv), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Name starts, then a word starts, then substrings; shorter names first
	// within each.
	want := []string{"11.01.01.2004", "11.01.01.2006", "11.01.01.2001", "11.01.01.2002", "11.01.01.2003", "11.01.01"}
	if got := codes(tr.Search("MAJU", "", 0)); !slices.Equal(got, want) {
		t.Errorf("Search(MAJU) = %v, want %v", got, want)
	}
	// A later occurrence that starts a word counts: "Semaju Maju".
	if r := rank("semaju maju", "maju", 2); r != 1 {
		t.Errorf("rank(semaju maju) = %d, want 1", r)
	}

	// On the real data the order holds for a broad query.
	real := mustLoad(t)
	got := real.Search("bau", "", 0)
	if len(got) < 10 {
		t.Fatalf("Search(bau) = %d results", len(got))
	}
	type sortKey struct{ rank, length int }
	keyOf := func(r Region) sortKey {
		n := string(appendFold(nil, r.Name))
		switch {
		case strings.HasPrefix(n, "bau"):
			return sortKey{0, len(n)}
		case strings.Contains(" "+n, " bau"):
			return sortKey{1, len(n)}
		}
		return sortKey{2, len(n)}
	}
	for i := 1; i < len(got); i++ {
		a, b := keyOf(got[i-1]), keyOf(got[i])
		if a.rank > b.rank || a.rank == b.rank && (a.length > b.length || a.length == b.length && got[i-1].Code > got[i].Code) {
			t.Fatalf("Search(bau) order: %+v (%v) before %+v (%v)", got[i-1], a, got[i], b)
		}
	}
	if keyOf(got[0]).rank != 0 || keyOf(got[len(got)-1]).rank != 2 {
		t.Errorf("Search(bau) should hold all three ranks: first %v, last %v", got[0], got[len(got)-1])
	}
}

func TestSearchUnderAndLimit(t *testing.T) {
	tr := mustLoad(t)
	all := tr.Search("long", "", 0)
	in := tr.Search("long", "64.11", 0)
	if len(in) == 0 || len(in) >= len(all) {
		t.Fatalf("Search(long) finds %d everywhere and %d in 64.11", len(all), len(in))
	}
	for _, r := range in {
		if !strings.HasPrefix(r.Code, "64.11.") {
			t.Errorf("Search(long, under 64.11) returned %+v", r)
		}
	}
	if !hasCode(in, "64.11.01") || !hasCode(in, "64.11.01.2001") { // Long Bagun, Long Hurai
		t.Errorf("Search(long, under 64.11) = %v", codes(in))
	}
	// Any code form; descendants only, so the region itself is left out.
	if got := tr.Search("long bagun", "641101", 0); hasCode(got, "64.11.01") {
		t.Errorf("Search under 64.11.01 returned 64.11.01 itself")
	}
	if got := tr.Search("kuala", "11 01 02", 0); !hasCode(got, "11.01.02.2018") {
		t.Errorf("Search(kuala, under 11 01 02) = %v", codes(got))
	}
	for _, under := range []string{"99", "64.1", "64.11.01.2001"} {
		if got := tr.Search("long", under, 0); len(got) != 0 {
			t.Errorf("Search(long, under %q) = %v, want none", under, codes(got))
		}
	}

	for _, limit := range []int{1, 5, len(all)} {
		got := tr.Search("long", "", limit)
		if !slices.Equal(got, all[:limit]) {
			t.Errorf("Search(long, limit %d) = %v, want the first %d of the unlimited list", limit, codes(got), limit)
		}
	}
	if got := tr.Search("long", "", -1); len(got) != len(all) {
		t.Errorf("Search(long, limit -1) = %d results, want %d", len(got), len(all))
	}

	villages := tr.SearchLevel("long", "", Village, 10)
	if len(villages) != 10 {
		t.Fatalf("SearchLevel(long, Village, 10) = %d results", len(villages))
	}
	for _, r := range villages {
		if r.Level != Village {
			t.Errorf("SearchLevel(Village) returned %+v", r)
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	tr := mustLoad(b)
	cases := []struct{ name, query, under string }{
		{"specific", "pasi kuala bau", ""},
		{"common", "sungai", ""},
		{"under", "long", "64.11"},
		{"short", "ma", ""},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tr.Search(c.query, c.under, 20)
			}
		})
	}
}
