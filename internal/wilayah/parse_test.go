package wilayah

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

const smallCSV = "kode,nama\r\n" +
	"11,Aceh\r\n" +
	"11.01,Kabupaten Aceh Selatan\r\n" +
	"11.01.02,Kluet Utara\r\n" +
	"11.01.02.2018,Pasi Kuala Ba'u\r\n"

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, current, retired string
		want                   []string // substrings of the error
		is                     error
	}{
		{"wrong header", "code,name\n11,Aceh\n", "", []string{"wilayah.csv line 1: header is \"code,name\""}, nil},
		{"extra header column", "kode,nama,x\n11,Aceh\n", "", []string{"wilayah.csv line 1: header"}, nil},
		{"empty file", "", "", []string{"wilayah.csv: empty"}, nil},
		{"bad code", "kode,nama\n11,Aceh\n11.1,Kabupaten X\n", "", []string{"wilayah.csv line 3: ", `"11.1"`}, ErrBadCode},
		{"bad code after blank line", "kode,nama\n\n11,Aceh\n11.0x,Kabupaten X\n", "", []string{"wilayah.csv line 4: "}, ErrBadCode},
		{"empty name", "kode,nama\n11,Aceh\n11.01,  \n", "", []string{"wilayah.csv line 3: 11.01 has an empty name"}, nil},
		{"village without district", "kode,nama\n11,Aceh\n11.01,Kab\n11.01.01.2001,Desa\n", "",
			[]string{"wilayah.csv line 4: village 11.01.01.2001 (Desa) has no district 11.01.01"}, nil},
		{"earliest orphan reported", "kode,nama\n11,Aceh\n22.01.01,Y\n11.01.01.2001,Desa\n11.01,Kab\n", "",
			[]string{"wilayah.csv line 3: district 22.01.01 (Y) has no regency 22.01"}, nil},
		{"duplicate", "kode,nama\n11,Aceh\n11.01,Kab\n1101,Kab lagi\n", "", []string{"wilayah.csv line 4: 11.01 repeats line 3"}, nil},
		{"field count", "kode,nama\n11,Aceh,x\n", "", []string{"wilayah.csv line 2: wrong number of fields"}, errFieldCount},
		{"bare quote", "kode,nama\n11,Ac\"eh\n", "", []string{"wilayah.csv line 2: "}, errBareQuote},
		{"unterminated quote", "kode,nama\n11,\"Aceh\n12,Sumut\n", "", []string{"wilayah.csv line 2: "}, errQuote},
		{"text after quote", "kode,nama\n11,\"Aceh\"x\n", "", []string{"wilayah.csv line 2: "}, errQuote},

		{"retired header", smallCSV, "kode,nama\n", []string{"kecamatan_lama.csv line 1: header"}, nil},
		{"retired not a district", smallCSV, "kode,nama,terakhir_ada\n91.01.01,Merauke,2022\n91.01,Merauke,2022\n", []string{"kecamatan_lama.csv line 3: 91.01 is a regency code"}, nil},
		{"retired bad code", smallCSV, "kode,nama,terakhir_ada\n9101,Merauke,2022\n", []string{"kecamatan_lama.csv line 2: "}, nil},
		{"retired bad year", smallCSV, "kode,nama,terakhir_ada\n91.01.01,Merauke,22\n", []string{`kecamatan_lama.csv line 2: 91.01.01: terakhir_ada "22" is not a year`}, nil},
		{"retired duplicate", smallCSV, "kode,nama,terakhir_ada\n91.01.01,Merauke,2022\n91.01.02,Muting,2022\n910101,Merauke,2023\n", []string{"kecamatan_lama.csv line 4: 91.01.01 repeats line 2"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var retired io.Reader
			if c.retired != "" {
				retired = strings.NewReader(c.retired)
			}
			_, err := Parse(strings.NewReader(c.current), retired)
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %q does not wrap %v", err, c.is)
			}
		})
	}
}

func TestParseReaderError(t *testing.T) {
	boom := errors.New("disk on fire")
	if _, err := Parse(iotest.ErrReader(boom), nil); !errors.Is(err, boom) || !strings.Contains(err.Error(), "wilayah.csv") {
		t.Errorf("Parse(failing current) = %v", err)
	}
	if _, err := Parse(strings.NewReader(smallCSV), iotest.ErrReader(boom)); !errors.Is(err, boom) || !strings.Contains(err.Error(), "kecamatan_lama.csv") {
		t.Errorf("Parse(failing retired) = %v", err)
	}
	if _, err := Parse(nil, nil); err == nil {
		t.Errorf("Parse(nil, nil) succeeded")
	}
}

func TestParseAnyOrderAndForms(t *testing.T) {
	// Unsorted, undotted codes, LF endings, a BOM, quoted names with a
	// comma, a doubled quote and a newline; no final newline.
	const csv = "\ufeffkode,nama\n" +
		"1101012001,\"Desa \"\"Satu\"\", Dua\"\n" +
		"110101,Kecamatan\n" +
		"11 02,\"Kota\nBaru\"\n" +
		"11,Aceh\n" +
		"1101,Kabupaten"
	tr, err := Parse(strings.NewReader(csv), nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 5 {
		t.Errorf("Len() = %d, want 5", tr.Len())
	}
	if got := codes(tr.Children("11")); strings.Join(got, " ") != "11.01 11.02" {
		t.Errorf("Children(11) = %v", got)
	}
	r, ok := tr.Lookup("11.01.01.2001")
	if !ok || r.Name != `Desa "Satu", Dua` {
		t.Errorf("Lookup(11.01.01.2001) = %+v, %v", r, ok)
	}
	if r, _ := tr.Lookup("11.02"); r.Name != "Kota\nBaru" {
		t.Errorf("Lookup(11.02).Name = %q", r.Name)
	}
	if got := tr.Path("11.01.01.2001"); len(got) != 4 || got[0].Name != "Aceh" {
		t.Errorf("Path = %v", got)
	}
	if got := tr.Search("desa satu dua", "", 0); len(got) != 1 {
		t.Errorf("Search(desa satu dua) = %v", got)
	}
	if cur, ret := tr.DistrictPrefix("110101"); !cur || ret {
		t.Errorf("DistrictPrefix(110101) = %v, %v with no retired list", cur, ret)
	}

	// A header-only list is an empty tree, not an error.
	empty, err := Parse(strings.NewReader("kode,nama\r\n"), strings.NewReader("kode,nama,terakhir_ada\r\n"))
	if err != nil || empty.Len() != 0 || empty.Children("") != nil || empty.Search("a", "", 0) != nil {
		t.Errorf("header-only Parse = %v, %v", empty, err)
	}
}
