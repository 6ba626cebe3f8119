// Package roster reads the resident roster: the extract of the population
// database (SIAK) the hub keeps to give officers their worklists (who still
// needs a KTP-el, which child still needs a birth certificate) and coverage
// its village-level denominators.
//
// The file is CSV with this header, columns in any order, names in any
// case, an optional UTF-8 byte-order mark, LF or CRLF line ends:
//
//	nik,kk_number,name,sex,birth_date,village_code,has_ktp_el,has_birth_certificate
//
// sex is L or P; birth_date is YYYY-MM-DD, not in the future; village_code
// is a village in the region list (dotted 64.11.01.2001 or plain
// 6411012001); the two flags read 1/0, true/false, ya/tidak or y/n. The
// NIK must be a well-formed NIK whose birth date and sex agree with the
// row's (internal/nik); the KK number is 16 digits.
//
// Unlike a targets file, a roster is not all or nothing: an extract of
// 200,000 residents with a few damaged rows is still worth importing. Each
// bad row is reported by line and column and skipped; the others are read.
// A file without a valid header is refused whole. A NIK given twice makes
// the second row bad.
package roster

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jemputbola/jemput/internal/nik"
	"github.com/jemputbola/jemput/internal/wilayah"
)

// Header is the roster's header line, columns in the documented order.
const Header = "nik,kk_number,name,sex,birth_date,village_code,has_ktp_el,has_birth_certificate"

// Columns are the header's names.
var Columns = strings.Split(Header, ",")

// MaxName bounds a name, as the record forms do.
const MaxName = 100

// Resident is one person of the roster. It is comparable: two equal values
// are the same row.
type Resident struct {
	NIK      string `json:"nik"`
	KKNumber string `json:"kk_number"`
	Name     string `json:"name"`
	Sex      string `json:"sex"`        // L or P
	Birth    string `json:"birth_date"` // YYYY-MM-DD
	Village  string `json:"village_code"`
	HasKTPEl bool   `json:"has_ktp_el"`
	// HasBirthCert: the resident holds a birth certificate (akta kelahiran).
	HasBirthCert bool `json:"has_birth_certificate"`
}

// BirthDate is Birth as a date (UTC midnight); zero if unreadable.
func (r Resident) BirthDate() time.Time {
	t, _ := time.Parse(time.DateOnly, r.Birth)
	return t
}

// AgeOn is r's age in whole years on day.
func (r Resident) AgeOn(day time.Time) int {
	return Age(r.BirthDate(), day)
}

// Age is the age in whole years on day of someone born on birth.
func Age(birth, day time.Time) int {
	y1, m1, d1 := birth.Date()
	y2, m2, d2 := day.Date()
	age := y2 - y1
	if m2 < m1 || m2 == m1 && d2 < d1 {
		age--
	}
	return age
}

// BornOnOrBefore is the latest birth date (YYYY-MM-DD) of someone aged at
// least years on day: dates compare as text, so stores can count ages.
func BornOnOrBefore(day time.Time, years int) string {
	y, m, d := day.Date()
	t := time.Date(y-years, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 29 February in a year without one became 1 March: 28 February
		t = t.AddDate(0, 0, -t.Day())
	}
	return t.Format(time.DateOnly)
}

// Row is a good row and where it was.
type Row struct {
	Line int
	Resident
}

// Error is a bad row: where it is and what is wrong.
type Error struct {
	File   string `json:"-"`
	Line   int    `json:"line"`             // 1-based, the header is line 1
	Column string `json:"column,omitempty"` // header name, "" for a whole-row problem
	Msg    string `json:"reason"`
}

func (e *Error) Error() string {
	where := fmt.Sprintf("line %d", e.Line)
	if e.File != "" {
		where = e.File + ": " + where
	}
	if e.Column != "" {
		where += ", column " + e.Column
	}
	return where + ": " + e.Msg
}

// Result is what Parse read.
type Result struct {
	Rows    []Row    // good rows, in file order
	Skipped []*Error // bad rows, in file order
}

// Regions is the part of the region list Parse needs (*wilayah.Tree).
type Regions interface {
	Lookup(code string) (wilayah.Region, bool)
}

// ErrHeader marks a file Parse refused whole: no valid header.
var ErrHeader = errors.New("not a roster file")

// Parse reads a roster CSV. It returns an error (wrapping ErrHeader, or the
// reader's) only when the file cannot be read at all; bad rows are in
// Result.Skipped. today bounds birth dates.
func Parse(file string, r io.Reader, regions Regions, today time.Time) (*Result, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file: want the header %s: %w", file, Header, ErrHeader)
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: line %d: header: %v: %w", file, pe.StartLine, pe.Err, ErrHeader)
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	cols, err := columns(file, header)
	if err != nil {
		return nil, err
	}
	todayStr := today.Format(time.DateOnly)
	res := &Result{}
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			res.Skipped = append(res.Skipped, &Error{File: file, Line: pe.StartLine, Msg: "unreadable CSV: " + pe.Err.Error()})
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(cols.names) {
			res.Skipped = append(res.Skipped, &Error{File: file, Line: line,
				Msg: fmt.Sprintf("%d fields, the header has %d", len(rec), len(cols.names))})
			continue
		}
		p, bad := cols.row(rec, regions, todayStr)
		if bad != nil {
			bad.File, bad.Line = file, line
			res.Skipped = append(res.Skipped, bad)
			continue
		}
		if first, dup := seen[p.NIK]; dup {
			res.Skipped = append(res.Skipped, &Error{File: file, Line: line, Column: "nik",
				Msg: fmt.Sprintf("NIK %s is already on line %d", nik.Masked(p.NIK), first)})
			continue
		}
		seen[p.NIK] = line
		res.Rows = append(res.Rows, Row{Line: line, Resident: p})
	}
}

type layout struct {
	names []string
	at    [8]int // index in the record of each of Columns
}

func columns(file string, header []string) (*layout, error) {
	l := &layout{names: make([]string, len(header))}
	for i := range l.at {
		l.at[i] = -1
	}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.ToLower(strings.TrimSpace(h))
		l.names[i] = h
		j := index(Columns, h)
		if j < 0 {
			return nil, fmt.Errorf("%s: line 1, column %d: unknown column %s: want the header %s: %w", file, i+1, short(h), Header, ErrHeader)
		}
		if l.at[j] >= 0 {
			return nil, fmt.Errorf("%s: line 1, column %s: given twice: %w", file, h, ErrHeader)
		}
		l.at[j] = i
	}
	var missing []string
	for j, c := range Columns {
		if l.at[j] < 0 {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: line 1: no column %s: want the header %s: %w", file, strings.Join(missing, ", "), Header, ErrHeader)
	}
	return l, nil
}

func index(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// row reads and checks one data row.
func (l *layout) row(rec []string, regions Regions, today string) (Resident, *Error) {
	get := func(j int) string { return strings.TrimSpace(rec[l.at[j]]) }
	bad := func(j int, format string, args ...any) *Error {
		return &Error{Column: Columns[j], Msg: fmt.Sprintf(format, args...)}
	}
	var p Resident
	for j := range Columns {
		if get(j) == "" {
			return p, bad(j, "empty")
		}
	}
	// NIK and KK number.
	n, err := nik.Parse(get(0))
	if err != nil {
		return p, bad(0, "%s is not a NIK: %v", short(get(0)), err)
	}
	p.NIK = n.Digits
	if p.KKNumber, err = nik.ParseKK(get(1)); err != nil {
		return p, bad(1, "%s is not a KK number: %v", short(get(1)), err)
	}
	// Name: any printable text (Ma'ruf, and <script> too: it is only ever
	// shown escaped).
	p.Name = get(2)
	switch {
	case !utf8.ValidString(p.Name):
		return p, bad(2, "not valid UTF-8 text")
	case utf8.RuneCountInString(p.Name) > MaxName:
		return p, bad(2, "%d characters, at most %d", utf8.RuneCountInString(p.Name), MaxName)
	}
	for _, r := range p.Name {
		if !unicode.IsPrint(r) {
			return p, bad(2, "contains the control character %U", r)
		}
	}
	// Sex.
	switch s := strings.ToUpper(get(3)); s {
	case "L", "P":
		p.Sex = s
	default:
		return p, bad(3, "%s: want L (laki-laki) or P (perempuan)", short(get(3)))
	}
	// Birth date.
	d, err := time.Parse(time.DateOnly, get(4))
	switch {
	case err != nil:
		return p, bad(4, "%s is not a date: want YYYY-MM-DD", short(get(4)))
	case d.Year() < 1900:
		return p, bad(4, "%s is before 1900", get(4))
	case get(4) > today:
		return p, bad(4, "%s is in the future (today is %s)", get(4), today)
	}
	p.Birth = get(4)
	// The NIK agrees with the birth date and sex.
	if !n.MatchesDate(d) {
		return p, bad(0, "the NIK's birth date %02d-%02d-%02d does not match birth_date %s", n.Day, n.Month, n.YY, p.Birth)
	}
	if n.Sex() != p.Sex {
		return p, bad(0, "the NIK is a %s's, but sex is %s", map[string]string{"L": "man", "P": "woman"}[n.Sex()], p.Sex)
	}
	// Village.
	reg, ok := regions.Lookup(get(5))
	switch {
	case !ok:
		if _, err := wilayah.NormalizeCode(get(5)); err != nil {
			return p, bad(5, "malformed village code %s (want e.g. 64.11.01.2001)", short(get(5)))
		}
		return p, bad(5, "village code %s is not in the region list", short(get(5)))
	case reg.Level != wilayah.Village:
		return p, bad(5, "%s %s is a %s, not a village", reg.Code, reg.Name, reg.Level)
	}
	p.Village = reg.Code
	// Flags.
	var ok1, ok2 bool
	if p.HasKTPEl, ok1 = parseBool(get(6)); !ok1 {
		return p, bad(6, "%s: want 1/0, true/false, ya/tidak or y/n", short(get(6)))
	}
	if p.HasBirthCert, ok2 = parseBool(get(7)); !ok2 {
		return p, bad(7, "%s: want 1/0, true/false, ya/tidak or y/n", short(get(7)))
	}
	return p, nil
}

func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(s) {
	case "1", "true", "ya", "y":
		return true, true
	case "0", "false", "tidak", "n":
		return false, true
	}
	return false, false
}

// short quotes s for a message, cut to a sensible length.
func short(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		r := []rune(s)
		s = string(r[:40]) + "..."
	}
	return strconv.Quote(s)
}

// Write writes residents as a roster file Parse reads (the header, then a
// row each, LF line ends; flags as 1 or 0).
func Write(w io.Writer, residents []Resident) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	for _, r := range residents {
		if err := cw.Write([]string{r.NIK, r.KKNumber, r.Name, r.Sex, r.Birth, r.Village, flag(r.HasKTPEl), flag(r.HasBirthCert)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
