package wilayah

import (
	"errors"
	"fmt"
	"strings"
)

// Level is a region's depth in the tree.
type Level int

// The four levels of a Kemendagri code.
const (
	Province Level = 1 // PP
	Regency  Level = 2 // PP.RR, kabupaten or kota
	District Level = 3 // PP.RR.DD, kecamatan
	Village  Level = 4 // PP.RR.DD.VVVV, desa or kelurahan
)

func (l Level) String() string {
	switch l {
	case Province:
		return "province"
	case Regency:
		return "regency"
	case District:
		return "district"
	case Village:
		return "village"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Region is one entry of the list.
type Region struct {
	Code  string // canonical dotted form, e.g. "64.11.01.2001"
	Name  string
	Level Level
}

// ErrBadCode marks a code that is not 2, 4, 6 or 10 digits in groups of
// 2, 2, 2 and 4.
var ErrBadCode = errors.New("malformed region code: want PP, PP.RR, PP.RR.DD or PP.RR.DD.VVVV")

// maxCode is the length of a canonical village code, the longest form.
const maxCode = 13

// groupWidth is the number of digits in each group of a code.
var groupWidth = [4]int{2, 2, 2, 4}

// NormalizeCode returns s in canonical dotted form. It accepts the dotted
// form, plain digits ("6411012001") and groups separated by spaces
// ("64 11 01 2001"), with surrounding white space; every group must have
// exactly its width, so "64.1" or "64.11.01.201" are refused rather than
// guessed at. Errors wrap ErrBadCode and quote the input.
func NormalizeCode(s string) (string, error) {
	var buf [maxCode]byte
	n, ok := canonical(&buf, s)
	if !ok {
		return "", fmt.Errorf("%s: %w", quoteShort(s), ErrBadCode)
	}
	if n == len(s) && s == string(buf[:n]) {
		return s, nil // already canonical: no allocation
	}
	return string(buf[:n]), nil
}

// canonical writes the canonical form of s into buf and returns its length.
// It works in a caller's buffer so that Lookup can index a map without
// allocating.
func canonical(buf *[maxCode]byte, s string) (int, bool) {
	s = strings.TrimSpace(s)
	if strings.IndexAny(s, ". ") < 0 {
		// Plain digits: the length decides the level.
		switch len(s) {
		case 2, 4, 6, 10:
		default:
			return 0, false
		}
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			if i == 2 || i == 4 || i == 6 {
				buf[n] = '.'
				n++
			}
			buf[n] = c
			n++
		}
		return n, true
	}
	n, group, width := 0, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if width == groupWidth[group] {
				return 0, false
			}
			buf[n] = c
			n++
			width++
		case c == '.' || c == ' ':
			if width != groupWidth[group] || group == len(groupWidth)-1 {
				return 0, false
			}
			buf[n] = '.'
			n++
			group++
			width = 0
		default:
			return 0, false
		}
	}
	if width != groupWidth[group] {
		return 0, false
	}
	return n, true
}

// levelOf is the level of a canonical code, from its length.
func levelOf(code string) Level { return levelOfLen(len(code)) }

func levelOfLen(n int) Level {
	switch n {
	case 2:
		return Province
	case 5:
		return Regency
	case 8:
		return District
	case maxCode:
		return Village
	}
	return 0
}

// parentCode is the code one level up of a canonical code, "" for a
// province.
func parentCode(code string) string {
	switch len(code) {
	case 5, 8, maxCode:
		return code[:strings.LastIndexByte(code, '.')]
	}
	return ""
}

// key packs a canonical code into a number that sorts like the code: the
// digits padded with zeros to ten, then the level, so that a region sorts
// right before its descendants. Comparing numbers is what makes lookups
// fast and building the index cheap.
func key[T string | []byte](code T) uint64 {
	var k uint64
	digits := 0
	for i := 0; i < len(code); i++ {
		if c := code[i]; c != '.' {
			k = k*10 + uint64(c-'0')
			digits++
		}
	}
	for ; digits < 10; digits++ {
		k *= 10
	}
	return k*8 + uint64(levelOfLen(len(code)))
}

// codeOf is the canonical code of a key.
func codeOf(k uint64) string {
	level := Level(k % 8)
	digits := fmt.Sprintf("%010d", k/8)
	code := digits[0:2]
	if level >= Regency {
		code += "." + digits[2:4]
	}
	if level >= District {
		code += "." + digits[4:6]
	}
	if level >= Village {
		code += "." + digits[6:10]
	}
	return code
}

// quoteShort quotes s for an error message, cut short so that a pasted
// document does not end up in a log line.
func quoteShort(s string) string {
	const max = 40
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}
