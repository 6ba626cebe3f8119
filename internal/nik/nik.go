// Package nik parses the Indonesian Nomor Induk Kependudukan (NIK) and the
// family-card number (Nomor KK).
//
// A NIK is 16 digits: province(2) regency(2) district(2) of first
// registration, the birth date as DDMMYY with 40 added to the day for women,
// and a 4-digit serial that is never 0000. The 2-digit year leaves the
// century open, so Parse only checks that the date exists in 19YY or 20YY;
// callers compare the date with the record (MatchesDate) and resolve the
// century with BirthDate when they need an age.
//
// Whether the district prefix is known is not decided here: districts are
// split and renumbered while a NIK keeps its first prefix for life, so that
// policy (warn, never refuse) lives with the region list.
package nik

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors; callers map them to per-field messages.
var (
	ErrLength = errors.New("must be 16 digits")
	ErrDigits = errors.New("must contain only digits")
	ErrDay    = errors.New("birth day must be 01-31 (men) or 41-71 (women)")
	ErrDate   = errors.New("birth date is not a real date")
	ErrSerial = errors.New("serial must not be 0000")
)

// Length is the number of digits in a NIK and in a KK number.
const Length = 16

// NIK is a parsed national identity number.
type NIK struct {
	Digits string // the 16 digits as given
	Day    int    // day of birth, women's +40 already removed
	Month  int
	YY     int // two-digit year; see BirthDate
	Female bool
	Serial int
}

// Parse checks s as a NIK. It accepts only the 16 digits: no spaces or dots,
// because a NIK is copied from a card and anything else is a typo to show.
func Parse(s string) (NIK, error) {
	if err := digits16(s); err != nil {
		return NIK{}, err
	}
	n := NIK{
		Digits: s,
		Day:    atoi(s[6:8]),
		Month:  atoi(s[8:10]),
		YY:     atoi(s[10:12]),
		Serial: atoi(s[12:16]),
	}
	switch {
	case n.Day >= 41 && n.Day <= 71:
		n.Day -= 40
		n.Female = true
	case n.Day >= 1 && n.Day <= 31:
	default:
		return NIK{}, fmt.Errorf("day %s: %w", s[6:8], ErrDay)
	}
	if !realDate(1900+n.YY, n.Month, n.Day) && !realDate(2000+n.YY, n.Month, n.Day) {
		return NIK{}, fmt.Errorf("%02d-%02d-%02d: %w", n.Day, n.Month, n.YY, ErrDate)
	}
	if n.Serial == 0 {
		return NIK{}, ErrSerial
	}
	return n, nil
}

// ParseKK checks s as a family-card number: 16 digits whose first six are
// the district code, under the same prefix rule as a NIK. The middle digits
// are an issue date whose encoding varies between regencies, so they are not
// checked: refusing a real card would be worse than missing a typo there.
func ParseKK(s string) (string, error) {
	if err := digits16(s); err != nil {
		return "", err
	}
	return s, nil
}

func digits16(s string) error {
	if len(s) != Length {
		return fmt.Errorf("%d characters: %w", len(s), ErrLength)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return fmt.Errorf("character %q at position %d: %w", s[i], i+1, ErrDigits)
		}
	}
	return nil
}

// DistrictPrefix is the district of first registration, dotted "PP.RR.DD".
func DistrictPrefix(digits string) string {
	if len(digits) < 6 {
		return ""
	}
	return digits[0:2] + "." + digits[2:4] + "." + digits[4:6]
}

// DistrictCode is the NIK's district of first registration, "PP.RR.DD".
func (n NIK) DistrictCode() string { return DistrictPrefix(n.Digits) }

// Sex is "L" (laki-laki) or "P" (perempuan), the codes records use.
func (n NIK) Sex() string {
	if n.Female {
		return "P"
	}
	return "L"
}

// MatchesDate reports whether the NIK's DDMMYY equals the date t.
func (n NIK) MatchesDate(t time.Time) bool {
	return t.Day() == n.Day && int(t.Month()) == n.Month && t.Year()%100 == n.YY
}

// BirthDate resolves the century: the latest of 20YY and 19YY that is a real
// date not after today. People over 100 are rare enough that the error goes
// the safe way (a centenarian reads as a baby, which age rules will flag).
func (n NIK) BirthDate(today time.Time) time.Time {
	for _, century := range []int{2000, 1900} {
		y := century + n.YY
		if !realDate(y, n.Month, n.Day) {
			continue
		}
		d := time.Date(y, time.Month(n.Month), n.Day, 0, 0, 0, 0, time.UTC)
		if !d.After(today) {
			return d
		}
	}
	return time.Date(1900+n.YY, time.Month(n.Month), n.Day, 0, 0, 0, 0, time.UTC)
}

// Masked hides all but the district and the last two digits, for receipts
// and logs: "641101**********34".
func Masked(digits string) string {
	if len(digits) != Length {
		return "****************"
	}
	return digits[:6] + "********" + digits[14:]
}

func realDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d && int(t.Month()) == m
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
