// Package tracking issues and reads the tracking code every record gets at
// capture.
//
// The officer writes the code by hand on the resident's paper receipt; the
// resident later types it into the status page or reads it aloud over the
// phone. So it must be short, survive handwriting and bad phone lines, and
// catch typos before they look up someone else's record:
//
//   - Crockford base32 (0-9 and A-Z without I, L, O, U): no letters that
//     pass for digits, no accidental words, case does not matter, and what
//     people misread is accepted anyway (O as 0, I and L as 1).
//   - 11 random characters, 55 bits. With 100 million records nationally
//     a given new code repeats an existing one with odds of 1 in 360
//     million, but by the birthday bound the chance that some pair ever
//     collides is about 13%. So codes are not unique by construction: the
//     hub needs a unique index on them and a rule for a clash, which,
//     since codes are issued offline, is found at sync after the receipt
//     has been written.
//   - 1 check character, Luhn mod 32 over the same alphabet: every single
//     wrong character is caught, as are all adjacent swaps except 0<->Z
//     (990 of the 992 ordered pairs of distinct characters).
//   - Shown as three groups of four, 7KQ4-MRT9-XHA2, which is how people
//     read and say them.
//
// Codes are random rather than sequential so that they reveal nothing
// (office, date, volume) and cannot be guessed by counting.
package tracking

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Alphabet is Crockford's base32: digit values 0-31 in order.
const Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

const (
	// Length is the number of characters in a canonical code.
	Length = 12
	// dataLen is the number of random characters before the check character.
	dataLen = Length - 1
	radix   = 32 // len(Alphabet); untyped so it mixes with byte
)

// Sentinel errors; wrapped with the detail (count, character, position).
var (
	ErrLength    = errors.New("must be 12 characters")
	ErrCharacter = errors.New("not a character used in tracking codes")
	ErrCheck     = errors.New("check character does not match: probably a typo")
)

// Code is a tracking code in canonical form: 12 upper-case characters from
// Alphabet, no separators, the last one the check character. Store and
// compare this form; show String.
type Code string

// New draws a code from r, normally crypto/rand.Reader. It reads 11 bytes and
// keeps the low 5 bits of each: 256 is a multiple of 32, so every character
// is uniform without rejection sampling.
func New(r io.Reader) (Code, error) {
	var buf [dataLen]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return "", fmt.Errorf("tracking code: reading randomness: %w", err)
	}
	var vals [Length]byte
	var out [Length]byte
	for i, b := range buf {
		vals[i] = b & (radix - 1)
		out[i] = Alphabet[vals[i]]
	}
	vals[dataLen] = checkValue(vals[:dataLen])
	out[dataLen] = Alphabet[vals[dataLen]]
	return Code(out[:]), nil
}

// Parse reads a code as people type it: any case, spaces and hyphens
// anywhere (including the Unicode dashes phones and PDFs substitute), O read
// as 0 and I or L as 1. U is rejected: it is not in the alphabet and has no
// obvious reading. Errors wrap ErrCharacter (naming the character and its
// 1-based position among the code characters, separators not counted),
// ErrLength or ErrCheck, checked in that order.
func Parse(s string) (Code, error) {
	var vals [Length]byte
	n := 0
	for _, r := range s {
		if isSeparator(r) {
			continue
		}
		v, ok := value(r)
		if !ok {
			return "", fmt.Errorf("tracking code: character %q at position %d: %w", r, n+1, ErrCharacter)
		}
		if n < Length {
			vals[n] = v
		}
		n++
	}
	if n != Length {
		return "", fmt.Errorf("tracking code: %d characters: %w", n, ErrLength)
	}
	if !checkOK(vals[:]) {
		return "", fmt.Errorf("tracking code: %w", ErrCheck)
	}
	var out [Length]byte
	for i, v := range vals {
		out[i] = Alphabet[v]
	}
	return Code(out[:]), nil
}

// String is the code in three groups of four, "7KQ4-MRT9-XHA2", for
// receipts and screens. A value that is not 12 characters long is returned
// unchanged.
func (c Code) String() string {
	if len(c) != Length {
		return string(c)
	}
	return string(c[0:4]) + "-" + string(c[4:8]) + "-" + string(c[8:12])
}

// Valid reports whether c is in canonical form with a correct check
// character. Parse returns only valid codes; Valid is for codes read back
// from storage or other systems.
func (c Code) Valid() bool {
	if len(c) != Length {
		return false
	}
	var vals [Length]byte
	for i := range Length {
		v := strings.IndexByte(Alphabet, c[i])
		if v < 0 {
			return false
		}
		vals[i] = byte(v)
	}
	return checkOK(vals[:])
}

// isSeparator reports whether r is ignored between code characters.
func isSeparator(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212':
		return true
	}
	return unicode.IsSpace(r)
}

// value maps a typed character to its digit value, with Crockford's
// aliases. It reports false for anything else, including U.
func value(r rune) (byte, bool) {
	if 'a' <= r && r <= 'z' {
		r -= 'a' - 'A'
	}
	switch r {
	case 'O':
		return 0, true
	case 'I', 'L':
		return 1, true
	}
	if r > unicode.MaxASCII {
		return 0, false
	}
	v := strings.IndexByte(Alphabet, byte(r))
	if v < 0 {
		return 0, false
	}
	return byte(v), true
}

// luhnAdd is one Luhn mod N step: the value, doubled at every second
// position counting from the right, with its base-N digits summed. For even
// N doubling is a permutation of 0..N-1, which is why every single
// substitution is caught.
func luhnAdd(v byte, double bool) int {
	a := int(v)
	if double {
		a *= 2
		a = a/radix + a%radix
	}
	return a
}

// checkValue is the Luhn mod 32 check value for data: the value that makes
// the whole code's sum a multiple of 32. The rightmost data character is
// doubled, since the check character will be to its right.
func checkValue(data []byte) byte {
	sum := 0
	for i := len(data) - 1; i >= 0; i-- {
		sum += luhnAdd(data[i], (len(data)-1-i)%2 == 0)
	}
	return byte((radix - sum%radix) % radix)
}

// checkOK reports whether vals, check character last, has a Luhn mod 32 sum
// that is a multiple of 32.
func checkOK(vals []byte) bool {
	sum := 0
	for i := len(vals) - 1; i >= 0; i-- {
		sum += luhnAdd(vals[i], (len(vals)-1-i)%2 == 1)
	}
	return sum%radix == 0
}
