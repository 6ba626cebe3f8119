// Package targets reads coverage targets: population, KTP-el holders due
// and crude birth and death rates per region and year, from CSV files by
// Kemendagri region code. The hub's coverage report divides what was
// registered by what these targets say was to be registered.
//
// Two CSV shapes are read, told apart by their header:
//
//	kode,tahun,penduduk[,wajib_ktp][,cbr][,cdr]   one row per region and year
//	kode,nama,pria,wanita,total                   population by region (penduduk.csv);
//	                                               the year is given by the caller
//
// Region codes are in dotted (64.11) or plain (6411) form and must be in the
// region list. A file is all or nothing: the first bad row fails it, named
// by line and column.
package targets

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/jemputbola/jemput/internal/wilayah"
)

// Defaults used when a file has no rate or KTP-el column, or leaves a cell
// empty. They are approximations for Indonesia as a whole (crude birth rate
// about 16 per 1000 residents a year, crude death rate about 6.5 per 1000,
// roughly 70% of residents 17 or older or married): import a file with
// cbr, cdr and wajib_ktp columns to override them per region and year.
const (
	DefaultCBR = 16.0 // live births per 1000 residents per year
	DefaultCDR = 6.5  // deaths per 1000 residents per year
	// WajibKTPShare estimates residents who must hold a KTP-el (17 or
	// older, or married) as this share of the population when the file
	// does not give the count.
	WajibKTPShare = 0.70
)

// Target is what one region is expected to register in one year.
type Target struct {
	Region     string `json:"region"` // canonical dotted code
	Year       int    `json:"year"`
	Population int64  `json:"population"`
	// WajibKTP is the number of residents who must hold a KTP-el. When
	// the file does not give it, it is WajibKTPShare × Population and
	// WajibKTPEstimated is set.
	WajibKTP          int64   `json:"wajib_ktp"`
	WajibKTPEstimated bool    `json:"wajib_ktp_estimated,omitempty"`
	CBR               float64 `json:"cbr"` // births per 1000 residents per year
	CDR               float64 `json:"cdr"` // deaths per 1000 residents per year
}

// Regions is the part of the region list the parser needs.
type Regions interface {
	Lookup(code string) (wilayah.Region, bool)
}

// Error is a bad row: where it is and what is wrong.
type Error struct {
	File   string
	Line   int    // 1-based, the header is line 1
	Column string // header name, "" for a whole-row problem
	Msg    string
}

func (e *Error) Error() string {
	where := fmt.Sprintf("%s: line %d", e.File, e.Line)
	if e.Column != "" {
		where += ", column " + e.Column
	}
	return where + ": " + e.Msg + " (nothing was imported)"
}

//go:embed data/penduduk.csv
var defaultCSV []byte

//go:embed data/LICENSE.wilayah
var licenseText string

// LicenseText is the MIT notice of the cahyadsn/wilayah dataset, which the
// default population data comes from and must accompany it.
func LicenseText() string { return licenseText }

// Default is the shipped population of every province and regency/city
// (penduduk.csv), as targets for year with the default rates.
func Default(regions Regions, year int) ([]Target, error) {
	return Parse("penduduk.csv", bytes.NewReader(defaultCSV), regions, year)
}

// Parse reads a targets CSV. year is used for files without a tahun
// column (the penduduk.csv shape). The same region and year twice is an
// error.
func Parse(file string, r io.Reader, regions Regions, year int) ([]Target, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &Error{File: file, Line: 1, Msg: "empty file: want a header kode,tahun,penduduk[,wajib_ktp][,cbr][,cdr] or kode,nama,pria,wanita,total"}
	}
	if err != nil {
		return nil, csvErr(file, err)
	}
	cols, err := columns(file, header)
	if err != nil {
		return nil, err
	}
	var out []Target
	seen := map[[2]any]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, csvErr(file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(cols.names) {
			return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("%d fields, the header has %d", len(rec), len(cols.names))}
		}
		t, skip, err := cols.row(file, line, rec, regions, year)
		if err != nil {
			return nil, err
		}
		if skip {
			continue
		}
		k := [2]any{t.Region, t.Year}
		if prev, dup := seen[k]; dup {
			return nil, &Error{File: file, Line: line, Column: "kode", Msg: fmt.Sprintf("%s for %d again (first on line %d)", t.Region, t.Year, prev)}
		}
		seen[k] = line
		out = append(out, t)
	}
}

func csvErr(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: file, Line: pe.Line, Column: strconv.Itoa(pe.Column), Msg: pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", file, err)
}

type layout struct {
	names                                  []string
	kode, tahun, penduduk, wajib, cbr, cdr int  // -1: absent
	population                             bool // the kode,nama,pria,wanita,total shape
}

func columns(file string, header []string) (*layout, error) {
	l := &layout{names: make([]string, len(header)), kode: -1, tahun: -1, penduduk: -1, wajib: -1, cbr: -1, cdr: -1}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		l.names[i] = h
	}
	if strings.Join(l.names, ",") == "kode,nama,pria,wanita,total" {
		l.kode, l.penduduk, l.population = 0, 4, true
		return l, nil
	}
	for i, h := range l.names {
		var p *int
		switch h {
		case "kode":
			p = &l.kode
		case "tahun":
			p = &l.tahun
		case "penduduk":
			p = &l.penduduk
		case "wajib_ktp":
			p = &l.wajib
		case "cbr":
			p = &l.cbr
		case "cdr":
			p = &l.cdr
		default:
			return nil, &Error{File: file, Line: 1, Column: strconv.Itoa(i + 1),
				Msg: fmt.Sprintf("unknown column %q: want kode,tahun,penduduk[,wajib_ktp][,cbr][,cdr] or kode,nama,pria,wanita,total", h)}
		}
		if *p >= 0 {
			return nil, &Error{File: file, Line: 1, Column: h, Msg: "column given twice"}
		}
		*p = i
	}
	for _, c := range []struct {
		name string
		i    int
	}{{"kode", l.kode}, {"tahun", l.tahun}, {"penduduk", l.penduduk}} {
		if c.i < 0 {
			return nil, &Error{File: file, Line: 1, Msg: fmt.Sprintf("no %s column: want kode,tahun,penduduk[,wajib_ktp][,cbr][,cdr] or kode,nama,pria,wanita,total", c.name)}
		}
	}
	return l, nil
}

// row reads one data row; skip is set for the national total ("0") of the
// penduduk.csv shape.
func (l *layout) row(file string, line int, rec []string, regions Regions, year int) (t Target, skip bool, err error) {
	bad := func(col int, format string, args ...any) error {
		return &Error{File: file, Line: line, Column: l.names[col], Msg: fmt.Sprintf(format, args...)}
	}
	code := strings.TrimSpace(rec[l.kode])
	if l.population && code == "0" {
		return t, true, nil
	}
	reg, ok := regions.Lookup(code)
	if !ok {
		if _, err := wilayah.NormalizeCode(code); err != nil {
			return t, false, bad(l.kode, "malformed region code %q (want e.g. 64 or 64.11)", code)
		}
		return t, false, bad(l.kode, "unknown region code %q", code)
	}
	t.Region = reg.Code
	t.Year = year
	if l.tahun >= 0 {
		y, err := strconv.Atoi(strings.TrimSpace(rec[l.tahun]))
		if err != nil || y < 1900 || y > 2200 {
			return t, false, bad(l.tahun, "year %q is not a year (want e.g. 2026)", rec[l.tahun])
		}
		t.Year = y
	}
	t.Population, err = count(rec[l.penduduk])
	if err != nil {
		return t, false, bad(l.penduduk, "%v", err)
	}
	t.WajibKTP, t.WajibKTPEstimated = int64(math.Round(WajibKTPShare*float64(t.Population))), true
	if l.wajib >= 0 && strings.TrimSpace(rec[l.wajib]) != "" {
		if t.WajibKTP, err = count(rec[l.wajib]); err != nil {
			return t, false, bad(l.wajib, "%v", err)
		}
		if t.WajibKTP > t.Population {
			return t, false, bad(l.wajib, "%d residents due a KTP-el is more than the population %d", t.WajibKTP, t.Population)
		}
		t.WajibKTPEstimated = false
	}
	t.CBR, t.CDR = DefaultCBR, DefaultCDR
	for _, c := range []struct {
		i int
		p *float64
	}{{l.cbr, &t.CBR}, {l.cdr, &t.CDR}} {
		if c.i < 0 || strings.TrimSpace(rec[c.i]) == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[c.i]), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return t, false, bad(c.i, "%q is not a number (a rate per 1000 residents, e.g. 16.0)", rec[c.i])
		}
		if v < 0 || v > 1000 {
			return t, false, bad(c.i, "rate %v per 1000 is out of range (0 to 1000)", v)
		}
		*c.p = v
	}
	return t, false, nil
}

func count(s string) (int64, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a whole number", s)
	case v < 0:
		return 0, fmt.Errorf("%d is negative", v)
	case v > 1e10:
		return 0, fmt.Errorf("%d is more than anyone lives anywhere", v)
	}
	return v, nil
}
