package record

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jemputbola/jemput/internal/nik"
	"github.com/jemputbola/jemput/internal/wilayah"
)

// Env is what validation needs from outside the record.
type Env struct {
	Regions Regions
	// Today is the date the record is judged against: "not in the future",
	// ages, and late registration. The agent passes the capture date.
	Today time.Time
}

// Legal windows (UU 24/2013 as amended by UU 24/2013; Perpres 96/2018).
const (
	BirthWindowDays = 60
	DeathWindowDays = 30
	EKTPMinAge      = 17
	WitnessMinAge   = 21
)

const dateLayout = "2006-01-02"

// Validate checks every field and every rule between fields, and returns
// the problems in form order. An empty result means the record may be
// submitted; warnings alone need the officer's confirmation.
func (s *Spec) Validate(f Fields, env Env) Problems {
	v := validator{spec: s, f: f, env: env, today: dateOnly(env.Today)}
	for i := range s.Fields {
		v.field(&s.Fields[i])
	}
	switch s.Kind {
	case KindEKTP:
		v.ektp()
	case KindBirth:
		v.birth()
	case KindDeath:
		v.death()
	}
	v.out.sortByForm(s)
	return v.out
}

type validator struct {
	spec  *Spec
	f     Fields
	env   Env
	today time.Time
	out   Problems
	bad   map[string]bool // fields with a problem already: rules between fields skip them
}

func (v *validator) add(field, code string, sev Severity, args map[string]string) {
	v.out = append(v.out, Problem{Field: field, Code: code, Severity: sev, Args: args})
	if sev == SeverityError {
		if v.bad == nil {
			v.bad = map[string]bool{}
		}
		v.bad[field] = true
	}
}

func (v *validator) err(field, code string, args map[string]string) {
	v.add(field, code, SeverityError, args)
}

func (v *validator) field(fd *Field) {
	val := v.f[fd.Path]
	if val == "" {
		if fd.Required {
			v.err(fd.Path, CodeRequired, nil)
		}
		return
	}
	if fd.Max > 0 && fd.Type != TypeInt {
		if n := utf8.RuneCountInString(val); n > fd.Max {
			v.err(fd.Path, CodeTooLong, map[string]string{"len": strconv.Itoa(n), "max": strconv.Itoa(fd.Max)})
			return
		}
	}
	switch fd.Type {
	case TypeText:
		for _, r := range val {
			if !unicode.IsPrint(r) {
				v.err(fd.Path, CodeTextChars, map[string]string{"char": fmt.Sprintf("%U", r)})
				return
			}
		}
	case TypeName:
		for _, r := range val {
			if !nameRune(r) {
				v.err(fd.Path, CodeNameChars, map[string]string{"char": strconv.QuoteRune(r)})
				return
			}
		}
	case TypeNIK:
		v.nik(fd.Path, val)
	case TypeKK:
		if _, err := nik.ParseKK(val); err != nil {
			v.digitsError(fd.Path, val, err)
			return
		}
		v.prefix(fd.Path, val)
	case TypeDate:
		d, err := time.Parse(dateLayout, val)
		switch {
		case err != nil:
			v.err(fd.Path, CodeDateFormat, map[string]string{"value": val})
		case d.After(v.today):
			v.err(fd.Path, CodeDateFuture, map[string]string{"today": v.today.Format(dateLayout)})
		case d.Year() < 1900:
			v.err(fd.Path, CodeDateTooOld, nil)
		}
	case TypeTime:
		if _, err := time.Parse("15:04", val); err != nil || len(val) != 5 {
			v.err(fd.Path, CodeTimeFormat, nil)
		}
	case TypeEnum:
		if !fd.hasChoice(val) {
			v.err(fd.Path, CodeChoice, map[string]string{"value": val, "choices": fd.choiceCodes()})
		}
	case TypeInt:
		n, err := strconv.Atoi(val)
		if err != nil || n < fd.Min || n > fd.Max {
			v.err(fd.Path, CodeRange, map[string]string{"min": strconv.Itoa(fd.Min), "max": strconv.Itoa(fd.Max)})
		}
	case TypeVillage:
		r, ok := v.env.Regions.Lookup(val)
		if !ok || r.Level != wilayah.Village {
			v.err(fd.Path, CodeVillage, map[string]string{"code": val})
		}
	case TypeRTRW:
		if len(val) > 3 || !allDigits(val) {
			v.err(fd.Path, CodeRTRW, nil)
		}
	}
}

// nameRune allows letters and marks of any script (Batak, Arabic-derived
// and Chinese names all occur) and the punctuation real names use, such as
// the apostrophe in Ma'ruf. Digits and symbols like <, > are refused.
func nameRune(r rune) bool {
	if unicode.IsLetter(r) || unicode.IsMark(r) {
		return true
	}
	switch r {
	case ' ', '.', ',', '\'', '-', '\u2019', '`':
		return true
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (v *validator) nik(path, val string) {
	if _, err := nik.Parse(val); err != nil {
		v.digitsError(path, val, err)
		return
	}
	v.prefix(path, val)
}

func (v *validator) digitsError(path, val string, err error) {
	switch {
	case errors.Is(err, nik.ErrLength):
		v.err(path, CodeNIKLength, map[string]string{"len": strconv.Itoa(utf8.RuneCountInString(val))})
	case errors.Is(err, nik.ErrDigits):
		v.err(path, CodeNIKDigits, nil)
	case errors.Is(err, nik.ErrDay):
		v.err(path, CodeNIKDay, nil)
	case errors.Is(err, nik.ErrDate):
		v.err(path, CodeNIKDate, nil)
	case errors.Is(err, nik.ErrSerial):
		v.err(path, CodeNIKSerial, nil)
	default:
		v.err(path, CodeNIKDigits, nil)
	}
}

// prefix warns, never refuses: a NIK keeps the district of first
// registration for life, and lists older than 2016 are not shipped.
func (v *validator) prefix(path, val string) {
	code := nik.DistrictPrefix(val)
	if cur, retired := v.env.Regions.DistrictPrefix(code); !cur && !retired {
		v.add(path, CodeNIKPrefix, SeverityWarning, map[string]string{"code": code})
	}
}

// date returns a field's date when it is present and valid.
func (v *validator) date(path string) (time.Time, bool) {
	if v.bad[path] || v.f[path] == "" {
		return time.Time{}, false
	}
	d, err := time.Parse(dateLayout, v.f[path])
	return d, err == nil
}

// parsedNIK returns a field's NIK when it is present and valid.
func (v *validator) parsedNIK(path string) (nik.NIK, bool) {
	if v.bad[path] || v.f[path] == "" {
		return nik.NIK{}, false
	}
	n, err := nik.Parse(v.f[path])
	return n, err == nil
}

// nikMatchesDate checks the NIK's DDMMYY against a date field.
func (v *validator) nikMatchesDate(nikPath, datePath string) {
	n, ok1 := v.parsedNIK(nikPath)
	d, ok2 := v.date(datePath)
	if !ok1 || !ok2 || n.MatchesDate(d) {
		return
	}
	v.err(nikPath, CodeNIKBirthDate, map[string]string{
		"nik_date": fmt.Sprintf("%02d-%02d-%02d", n.Day, n.Month, n.YY),
		"date":     d.Format("02-01-06"),
	})
}

func (v *validator) ektp() {
	v.nikMatchesDate("nik", "birth_date")
	if n, ok := v.parsedNIK("nik"); ok && v.f["sex"] != "" && !v.bad["sex"] && n.Sex() != v.f["sex"] {
		v.err("nik", CodeNIKSex, map[string]string{"nik_sex": "@sex:" + n.Sex(), "sex": "@sex:" + v.f["sex"]})
	}
	if bd, ok := v.date("birth_date"); ok {
		age := yearsBetween(bd, v.today)
		if age < EKTPMinAge && !marriedChoices[v.f["marital_status"]] {
			v.err("birth_date", CodeEKTPAge, map[string]string{"age": strconv.Itoa(age), "marital": "@marital:" + v.f["marital_status"]})
		}
	}
}

func (v *validator) birth() {
	v.nikMatchesDate("mother.nik", "mother.birth_date")
	if n, ok := v.parsedNIK("mother.nik"); ok && !n.Female {
		v.err("mother.nik", CodeMotherSex, nil)
	}
	if n, ok := v.parsedNIK("father.nik"); ok && n.Female {
		v.err("father.nik", CodeFatherSex, nil)
	}
	if v.f["father.nik"] != "" && v.f["father.name"] == "" {
		v.err("father.name", CodeFatherName, nil)
	}
	child, okChild := v.date("birth_date")
	if mother, ok := v.date("mother.birth_date"); ok && okChild {
		switch age := yearsBetween(mother, child); {
		case !child.After(mother):
			v.err("mother.birth_date", CodeMotherYounger, nil)
		case age < 12 || age > 60:
			v.add("mother.birth_date", CodeMotherAge, SeverityWarning, map[string]string{"age": strconv.Itoa(age)})
		}
	}
	if okChild {
		v.late(child, BirthWindowDays)
	}
	v.witnesses()
}

func (v *validator) death() {
	// A NIK's two-digit year cannot show a death before birth: the century
	// is resolved against the death date itself.
	if dd, ok := v.date("death_date"); ok {
		v.late(dd, DeathWindowDays)
	}
	v.witnesses()
}

func (v *validator) late(event time.Time, limit int) {
	days := int(v.today.Sub(event).Hours() / 24)
	if days > limit && v.f["late_reason"] == "" {
		v.err("late_reason", CodeLateReason, map[string]string{"days": strconv.Itoa(days), "limit": strconv.Itoa(limit)})
	}
}

// witnesses checks the two witnesses' ages by the birth date in their NIK.
func (v *validator) witnesses() {
	for i := 0; i < 2; i++ {
		path := fmt.Sprintf("witnesses.%d.nik", i)
		n, ok := v.parsedNIK(path)
		if !ok {
			continue
		}
		if age := yearsBetween(n.BirthDate(v.today), v.today); age < WitnessMinAge {
			v.err(path, CodeWitnessAge, map[string]string{"age": strconv.Itoa(age)})
		}
	}
	if a, b := v.f["witnesses.0.nik"], v.f["witnesses.1.nik"]; a != "" && a == b {
		v.err("witnesses.1.nik", CodeWitnessSame, nil)
	}
}

// yearsBetween is the age in whole years on date to of someone born on from.
func yearsBetween(from, to time.Time) int {
	y := to.Year() - from.Year()
	if to.Month() < from.Month() || (to.Month() == from.Month() && to.Day() < from.Day()) {
		y--
	}
	return y
}

func dateOnly(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
