package roster

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jemputbola/jemput/internal/wilayah"
)

var loadRegions = sync.OnceValues(wilayah.Load)

func regions(t testing.TB) *wilayah.Tree {
	t.Helper()
	r, err := loadRegions()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var today = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func parseFile(t *testing.T, name string) (*Result, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Parse(name, f, regions(t), today)
}

func TestParseFiles(t *testing.T) {
	type skip struct {
		line   int
		column string
		msg    string // a part of the reason
	}
	cases := []struct {
		file    string
		rows    []Row
		skipped []skip
	}{{
		file: "good.csv",
		rows: []Row{
			{2, Resident{"6411015203850002", "6411010101200003", "Siti Aminah", "P", "1985-03-12", "64.11.01.2001", true, true}},
			{3, Resident{"6411010407900001", "6411010101200003", "Ma'ruf Hulau", "L", "1990-07-04", "64.11.01.2001", false, true}},
			{4, Resident{"6411010106150003", "6411010101200003", "Yohanes Lawing", "L", "2015-06-01", "64.11.01.2001", false, false}},
			// Markup in a name is just text: the pages escape it.
			{5, Resident{"6411016511080004", "6411010202190007", "<script>alert(1)</script>", "P", "2008-11-25", "64.11.01.2002", false, false}},
		},
	}, {
		// Columns in another order, names in capitals, a BOM, CRLF, plain and
		// spaced village codes, quoted names, every spelling of the flags.
		file: "reordered_bom_crlf.csv",
		rows: []Row{
			{2, Resident{"6411015501200005", "6411010101200003", "Lejiu, Agnes", "P", "2020-01-15", "64.11.01.2001", false, false}},
			{3, Resident{"6411012212700006", "6411010202190007", "Petrus Ngau", "L", "1970-12-22", "64.11.01.2002", true, true}},
			{4, Resident{"6411014402010008", "6411020303210001", `Nur"aini Ding`, "P", "2001-02-04", "64.11.02.2003", false, true}},
		},
	}, {
		file: "bad_rows.csv",
		rows: []Row{
			{2, Resident{"6411015203850002", "6411010101200003", "Siti Aminah", "P", "1985-03-12", "64.11.01.2001", true, true}},
			{16, Resident{"6411010407900001", "6411010101200003", "Ma'ruf Hulau", "L", "1990-07-04", "64.11.01.2001", false, true}},
		},
		skipped: []skip{
			{3, "nik", "must be 16 digits"},
			{4, "kk_number", "must contain only digits"},
			{5, "nik", "does not match birth_date 1990-07-05"},
			{6, "nik", "the NIK is a man's, but sex is P"},
			{7, "sex", "want L (laki-laki) or P (perempuan)"},
			{8, "birth_date", "in the future"},
			{9, "village_code", "is a district, not a village"},
			{10, "village_code", "not in the region list"},
			{11, "has_ktp_el", `"maybe": want 1/0`},
			{12, "name", "empty"},
			{13, "", "7 fields, the header has 8"},
			{14, "nik", "already on line 2"},
			{15, "birth_date", "is not a date"},
		},
	}, {
		// A broken quote spoils its row only; the reader goes on after it.
		file: "bare_quote.csv",
		rows: []Row{
			{3, Resident{"6411010407900001", "6411010101200003", "After", "L", "1990-07-04", "64.11.01.2001", false, true}},
		},
		skipped: []skip{{2, "", "unreadable CSV"}},
	}}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			res, err := parseFile(t, c.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) != len(c.rows) {
				t.Fatalf("%d rows, want %d: %+v", len(res.Rows), len(c.rows), res.Rows)
			}
			for i := range c.rows {
				if res.Rows[i] != c.rows[i] {
					t.Errorf("row %d:\n got %+v\nwant %+v", i, res.Rows[i], c.rows[i])
				}
			}
			if len(res.Skipped) != len(c.skipped) {
				for _, s := range res.Skipped {
					t.Log(s)
				}
				t.Fatalf("%d skipped, want %d", len(res.Skipped), len(c.skipped))
			}
			for i, want := range c.skipped {
				got := res.Skipped[i]
				if got.Line != want.line || got.Column != want.column || !strings.Contains(got.Msg, want.msg) {
					t.Errorf("skipped %d: got line %d column %q %q, want line %d column %q containing %q",
						i, got.Line, got.Column, got.Msg, want.line, want.column, want.msg)
				}
				if !strings.HasPrefix(got.Error(), c.file+": line ") {
					t.Errorf("message %q does not start with the file and line", got.Error())
				}
			}
		})
	}
}

// TestDuplicateNIKNotInClear: the message about a NIK given twice masks it.
func TestDuplicateNIKNotInClear(t *testing.T) {
	res, err := parseFile(t, "bad_rows.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Skipped {
		if s.Line == 14 && strings.Contains(s.Msg, "6411015203850002") {
			t.Errorf("%q shows the NIK in full", s.Msg)
		}
	}
}

func TestParseRefusesFileWithoutHeader(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"no_header.csv", "", "unknown column"},
		{"missing_column.csv", "", "no column has_birth_certificate"},
		{"empty", "", "empty file"},
		{"twice", Header + ",nik\n", "given twice"},
		{"only a BOM", "\ufeff\n", "unknown column"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var res *Result
			var err error
			if strings.HasSuffix(c.name, ".csv") {
				res, err = parseFile(t, c.name)
			} else {
				res, err = Parse(c.name, strings.NewReader(c.in), regions(t), today)
			}
			if !errors.Is(err, ErrHeader) || !strings.Contains(err.Error(), c.want) || res != nil {
				t.Fatalf("got %v, %v; want ErrHeader saying %q", res, err, c.want)
			}
		})
	}
}

func TestHeaderOnly(t *testing.T) {
	res, err := Parse("h.csv", strings.NewReader(Header+"\r\n"), regions(t), today)
	if err != nil || len(res.Rows) != 0 || len(res.Skipped) != 0 {
		t.Fatalf("got %+v, %v", res, err)
	}
}

func TestAge(t *testing.T) {
	for _, c := range []struct {
		birth, day string
		age        int
	}{
		{"2009-11-20", "2026-11-20", 17},
		{"2009-11-21", "2026-11-20", 16},
		{"2008-02-29", "2025-02-28", 16},
		{"2008-02-29", "2025-03-01", 17},
		{"2008-02-29", "2024-02-29", 16},
	} {
		b, _ := time.Parse(time.DateOnly, c.birth)
		d, _ := time.Parse(time.DateOnly, c.day)
		if got := Age(b, d); got != c.age {
			t.Errorf("Age(%s, %s) = %d, want %d", c.birth, c.day, got, c.age)
		}
		// BornOnOrBefore agrees with Age.
		limit := BornOnOrBefore(d, c.age)
		if c.birth > limit {
			t.Errorf("BornOnOrBefore(%s, %d) = %s, but %s is %d", c.day, c.age, limit, c.birth, c.age)
		}
		if over := BornOnOrBefore(d, c.age+1); c.birth <= over {
			t.Errorf("BornOnOrBefore(%s, %d) = %s, but %s is only %d", c.day, c.age+1, over, c.birth, c.age)
		}
	}
}

// FuzzParse: any input is refused whole (no header) or read into good rows
// that are all sound and bad rows that all name a line; it never panics.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"good.csv", "reordered_bom_crlf.csv", "bad_rows.csv", "bare_quote.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(Header + "\n\"6411015203850002\",6411010101200003,\"a\nb\",P,1985-03-12,6411012001,1,0\n")
	tree := regions(f)
	f.Fuzz(func(t *testing.T, in string) {
		res, err := Parse("f.csv", strings.NewReader(in), tree, today)
		if err != nil {
			if res != nil {
				t.Fatalf("error %v with a result", err)
			}
			return
		}
		lines := strings.Count(in, "\n") + 1
		seen := map[string]bool{}
		for _, r := range res.Rows {
			v, ok := tree.Lookup(r.Village)
			if !ok || v.Level != wilayah.Village || v.Code != r.Village || len(r.NIK) != 16 || len(r.KKNumber) != 16 ||
				(r.Sex != "L" && r.Sex != "P") || r.BirthDate().IsZero() || r.Birth > today.Format(time.DateOnly) ||
				r.Name == "" || seen[r.NIK] || r.Line < 2 || r.Line > lines {
				t.Fatalf("unsound row %+v from %q", r, in)
			}
			seen[r.NIK] = true
		}
		for _, s := range res.Skipped {
			if s.Line < 2 || s.Line > lines || s.Msg == "" {
				t.Fatalf("skipped row without a line or reason: %+v from %q", s, in)
			}
		}
	})
}

// What Write writes, Parse reads back the same.
func TestWriteParse(t *testing.T) {
	res, err := parseFile(t, "reordered_bom_crlf.csv")
	if err != nil {
		t.Fatal(err)
	}
	var in []Resident
	for _, r := range res.Rows {
		in = append(in, r.Resident)
	}
	var b strings.Builder
	if err := Write(&b, in); err != nil {
		t.Fatal(err)
	}
	back, err := Parse("w.csv", strings.NewReader(b.String()), regions(t), today)
	if err != nil || len(back.Skipped) != 0 || len(back.Rows) != len(in) {
		t.Fatalf("read back: %+v, %v", back, err)
	}
	for i := range in {
		if back.Rows[i].Resident != in[i] {
			t.Errorf("row %d: %+v, want %+v", i, back.Rows[i].Resident, in[i])
		}
	}
}
