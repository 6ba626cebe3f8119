package targets

import (
	"errors"
	"strings"
	"sync"
	"testing"

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

func TestParseFull(t *testing.T) {
	in := "kode,tahun,penduduk,wajib_ktp,cbr,cdr\n64.11,2026,39715,28000,18.5,7\n6411,2025,39000,,,\n64.11.01,2026,8000,5600,,\n"
	got, err := Parse("t.csv", strings.NewReader(in), regions(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{
		{Region: "64.11", Year: 2026, Population: 39715, WajibKTP: 28000, CBR: 18.5, CDR: 7},
		{Region: "64.11", Year: 2025, Population: 39000, WajibKTP: 27300, WajibKTPEstimated: true, CBR: DefaultCBR, CDR: DefaultCDR},
		{Region: "64.11.01", Year: 2026, Population: 8000, WajibKTP: 5600, CBR: DefaultCBR, CDR: DefaultCDR},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseColumnsAnyOrderMinimal(t *testing.T) {
	got, err := Parse("t.csv", strings.NewReader("penduduk,kode,tahun\r\n100,64,2026\r\n"), regions(t), 0)
	if err != nil || len(got) != 1 || got[0].Region != "64" || got[0].WajibKTP != 70 || !got[0].WajibKTPEstimated {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestDefault(t *testing.T) {
	got, err := Default(regions(t), 2026)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 38+514 {
		t.Errorf("%d targets, want 552 (38 provinces + 514 regencies)", len(got))
	}
	var mahulu *Target
	for i := range got {
		if got[i].Region == "64.11" {
			mahulu = &got[i]
		}
	}
	if mahulu == nil || mahulu.Population != 39715 || mahulu.Year != 2026 || mahulu.CBR != DefaultCBR {
		t.Errorf("Mahakam Ulu: %+v", mahulu)
	}
	if !strings.Contains(LicenseText(), "Cahya DSN") {
		t.Error("licence notice missing")
	}
}

func TestParseBad(t *testing.T) {
	for _, c := range []struct {
		name, in string
		line     int
		col      string
		msg      string
	}{
		{"unknown code", "kode,tahun,penduduk\n64.11,2026,1\n64.99,2026,5\n", 3, "kode", "unknown region code"},
		{"malformed code", "kode,tahun,penduduk\n64-11,2026,1\n", 2, "kode", "malformed"},
		{"negative", "kode,tahun,penduduk\n64.11,2026,-5\n", 2, "penduduk", "negative"},
		{"not a number", "kode,tahun,penduduk\n64.11,2026,banyak\n", 2, "penduduk", "whole number"},
		{"bad year", "kode,tahun,penduduk\n64.11,20x6,5\n", 2, "tahun", "not a year"},
		{"bad rate", "kode,tahun,penduduk,cbr\n64.11,2026,5,abc\n", 2, "cbr", "not a number"},
		{"negative rate", "kode,tahun,penduduk,cdr\n64.11,2026,5,-1\n", 2, "cdr", "out of range"},
		{"wajib over population", "kode,tahun,penduduk,wajib_ktp\n64.11,2026,5,6\n", 2, "wajib_ktp", "more than the population"},
		{"short row", "kode,tahun,penduduk\n64.11,2026\n", 2, "", "2 fields"},
		{"duplicate", "kode,tahun,penduduk\n64.11,2026,1\n6411,2026,2\n", 3, "kode", "first on line 2"},
		{"unknown column", "kode,tahun,penduduk,umur\n", 1, "4", "unknown column"},
		{"missing column", "kode,penduduk\n", 1, "", "no tahun column"},
		{"empty", "", 1, "", "empty file"},
		{"population shape negative", "kode,nama,pria,wanita,total\n0,INDONESIA,1,1,2\n64.11,Mahulu,1,1,-2\n", 3, "total", "negative"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse("t.csv", strings.NewReader(c.in), regions(t), 2026)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, %v; want an *Error", got, err)
			}
			if e.Line != c.line || e.Column != c.col || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("got %q (line %d column %q), want line %d column %q containing %q", err, e.Line, e.Column, c.line, c.col, c.msg)
			}
		})
	}
}

// FuzzParse: any input either parses into targets that are all sound, or
// fails with an error; it never panics.
func FuzzParse(f *testing.F) {
	f.Add("kode,tahun,penduduk,wajib_ktp,cbr,cdr\n64.11,2026,39715,28000,18.5,7\n")
	f.Add("kode,nama,pria,wanita,total\n0,INDONESIA,1,1,2\n64.11,Mahulu,21192,18523,39715\n")
	f.Add("kode,tahun,penduduk\n\"64.11\",2026,\"1\"\n6411,2026,2\n")
	f.Add("\ufeffKODE,TAHUN,PENDUDUK,CBR\n64,2026,5,1e3\n")
	f.Add("kode,tahun,penduduk\n64.11,2026,9999999999999999999\n")
	tree := regions(f)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Parse("f.csv", strings.NewReader(in), tree, 2026)
		if err != nil {
			if len(got) != 0 {
				t.Fatalf("error %v with %d targets", err, len(got))
			}
			return
		}
		for _, tg := range got {
			if _, ok := tree.Lookup(tg.Region); !ok || tg.Population < 0 || tg.WajibKTP < 0 || tg.WajibKTP > tg.Population ||
				tg.CBR < 0 || tg.CDR < 0 || tg.Year < 1900 {
				t.Fatalf("unsound target %+v from %q", tg, in)
			}
		}
	})
}
