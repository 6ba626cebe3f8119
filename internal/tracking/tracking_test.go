package tracking

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	mrand "math/rand/v2"
	"strings"
	"testing"
)

// seeded returns a reproducible source of codes for property tests.
func seeded(t testing.TB, seed byte) io.Reader {
	t.Helper()
	var s [32]byte
	s[0] = seed
	return mrand.NewChaCha8(s)
}

func mustNew(t testing.TB, r io.Reader) Code {
	t.Helper()
	c, err := New(r)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAlphabet(t *testing.T) {
	if len(Alphabet) != radix {
		t.Fatalf("len(Alphabet) = %d, want %d", len(Alphabet), radix)
	}
	for _, r := range "ILOU" {
		if strings.ContainsRune(Alphabet, r) {
			t.Errorf("Alphabet contains %q", r)
		}
	}
}

func TestNew(t *testing.T) {
	const n = 10_000
	seen := make(map[Code]bool, n)
	var used [dataLen][radix]bool
	for range n {
		c := mustNew(t, rand.Reader)
		if len(c) != Length {
			t.Fatalf("New() = %q, %d characters", c, len(c))
		}
		for i := 0; i < len(c); i++ {
			v := strings.IndexByte(Alphabet, c[i])
			if v < 0 {
				t.Fatalf("New() = %q: %q not in alphabet", c, c[i])
			}
			if i < dataLen {
				used[i][v] = true
			}
		}
		if !c.Valid() {
			t.Fatalf("New() = %q is not Valid", c)
		}
		if p, err := Parse(string(c)); err != nil || p != c {
			t.Fatalf("Parse(%q) = %q, %v", c, p, err)
		}
		if seen[c] {
			t.Fatalf("collision: %q", c)
		}
		seen[c] = true
	}
	// Each data position should take every value (a missing one after 10k
	// draws has probability ~1e-135): catches a broken bit mapping.
	for i, vals := range used {
		for v, ok := range vals {
			if !ok {
				t.Errorf("position %d never got %q", i+1, Alphabet[v])
			}
		}
	}
}

func TestNewDeterministic(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Code
	}{
		{"all zero", make([]byte, dataLen), "000000000000"},
		// Only the low 5 bits of each byte count.
		{"high bits ignored", bytes.Repeat([]byte{0xE0}, dataLen), "000000000000"},
		{"values 0..10", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, Code("0123456789A" + string(Alphabet[refCheck(t, "0123456789A")]))},
		{"all Z", bytes.Repeat([]byte{31}, dataLen), Code("ZZZZZZZZZZZ" + string(Alphabet[refCheck(t, "ZZZZZZZZZZZ")]))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New(bytes.NewReader(tt.in))
			if err != nil || got != tt.want {
				t.Fatalf("New = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// refCheck is Luhn mod N transcribed independently of the package code
// (Wikipedia's GenerateCheckCharacter, on strings): a cross-check.
func refCheck(t *testing.T, input string) int {
	t.Helper()
	factor, sum, n := 2, 0, len(Alphabet)
	for i := len(input) - 1; i >= 0; i-- {
		codePoint := strings.IndexByte(Alphabet, input[i])
		if codePoint < 0 {
			t.Fatalf("refCheck: %q", input)
		}
		addend := factor * codePoint
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
		addend = addend/n + addend%n
		sum += addend
	}
	return (n - sum%n) % n
}

func TestCheckMatchesReference(t *testing.T) {
	r := seeded(t, 9)
	for range 2000 {
		c := mustNew(t, r)
		if want := Alphabet[refCheck(t, string(c[:dataLen]))]; c[dataLen] != want {
			t.Fatalf("%q: check %q, reference %q", c, c[dataLen], want)
		}
	}
}

func TestNewReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		r    io.Reader
		want error
	}{
		{"empty", bytes.NewReader(nil), io.EOF},
		{"short", bytes.NewReader(make([]byte, dataLen-1)), io.ErrUnexpectedEOF},
		{"failing", failReader{}, errBroken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.r)
			if !errors.Is(err, tt.want) || c != "" {
				t.Fatalf("New = %q, %v; want error %v", c, err, tt.want)
			}
		})
	}
}

var errBroken = errors.New("entropy source broken")

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errBroken }

func TestString(t *testing.T) {
	tests := []struct {
		in   Code
		want string
	}{
		{"7KQ4MRT9XHA2", "7KQ4-MRT9-XHA2"},
		{"", ""},
		{"SHORT", "SHORT"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Code(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseTolerance(t *testing.T) {
	// A fixed valid code with 0 and 1 in it, to exercise the aliases.
	code := Code("7KQ4" + "10RT" + "9XH")
	code += Code(Alphabet[refCheck(t, string(code))])
	s := string(code)
	grouped := code.String()
	tests := []struct {
		name string
		in   string
	}{
		{"canonical", s},
		{"grouped", grouped},
		{"lower case", strings.ToLower(grouped)},
		{"mixed case", "7kQ4-10rT-9xH" + strings.ToLower(s[11:])},
		{"spaces", "7KQ4 10RT 9XH" + s[11:]},
		{"spaces everywhere", " 7 K Q 4 1 0 R T 9 X H " + s[11:] + " "},
		{"hyphens everywhere", "-7-KQ-4--10R-T9XH" + s[11:] + "-"},
		{"tab and newline", "7KQ4\t10RT\n9XH" + s[11:] + "\r\n"},
		{"no-break space", "7KQ4\u00a010RT\u00a09XH" + s[11:]},
		{"en dash from a phone", "7KQ4\u201310RT\u20139XH" + s[11:]},
		{"O for zero", "7KQ4-1ORT-9XH" + s[11:]},
		{"o for zero", "7KQ4-1oRT-9XH" + s[11:]},
		{"I for one", "7KQ4-I0RT-9XH" + s[11:]},
		{"i for one", "7KQ4-i0RT-9XH" + s[11:]},
		{"L for one", "7KQ4-L0RT-9XH" + s[11:]},
		{"l for one", "7kq4 l0rt 9xh" + strings.ToLower(s[11:])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != code {
				t.Fatalf("Parse(%q) = %q, want %q", tt.in, got, code)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	valid := mustNew(t, seeded(t, 1))
	s := string(valid)
	wrongCheck := s[:dataLen] + string(Alphabet[(strings.IndexByte(Alphabet, s[dataLen])+1)%radix])
	tests := []struct {
		name    string
		in      string
		want    error
		wantMsg string // substring of the error text
	}{
		{"empty", "", ErrLength, "0 characters"},
		{"only separators", " - - ", ErrLength, "0 characters"},
		{"one short", s[:11], ErrLength, "11 characters"},
		{"one long", s + "0", ErrLength, "13 characters"},
		{"U rejected", "U" + s[1:], ErrCharacter, `'U' at position 1`},
		{"u rejected", s[:4] + "-u" + s[5:], ErrCharacter, `'u' at position 5`},
		{"position ignores separators", "7KQ4-MRT9-XH*2", ErrCharacter, `'*' at position 11`},
		{"punctuation", s[:6] + "." + s[6:], ErrCharacter, `'.' at position 7`},
		{"underscore", s[:4] + "_" + s[4:], ErrCharacter, `'_' at position 5`},
		{"non-ASCII letter", "Ä" + s[1:], ErrCharacter, `'Ä' at position 1`},
		{"full-width digit", "７" + s[1:], ErrCharacter, `at position 1`},
		{"invalid UTF-8", "\xff" + s[1:], ErrCharacter, `at position 1`},
		{"character error wins over length", "U", ErrCharacter, "position 1"},
		{"wrong check character", wrongCheck, ErrCheck, "probably a typo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q) = %q, %v; want %v", tt.in, got, err, tt.want)
			}
			if got != "" {
				t.Fatalf("Parse(%q) returned %q with an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Parse(%q) error %q does not contain %q", tt.in, err, tt.wantMsg)
			}
		})
	}
}

func isZeroZ(a, b byte) bool { return a == '0' && b == 'Z' || a == 'Z' && b == '0' }

func TestValid(t *testing.T) {
	c := mustNew(t, seeded(t, 2))
	tests := []struct {
		in   Code
		want bool
	}{
		{c, true},
		{"000000000000", true},
		{Code(strings.ToLower(string(c))), false}, // not canonical
		{Code(c.String()), false},                 // grouped is display form
		{c[:dataLen], false},
		{c + "0", false},
		{"", false},
		{"00000000000U", false},
		{"O00000000000", false}, // alias is not canonical
		{"000000000001", false}, // wrong check
	}
	for _, tt := range tests {
		if got := tt.in.Valid(); got != tt.want {
			t.Errorf("Code(%q).Valid() = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestSingleSubstitution tries every other character at every position of
// 200 random codes: each must fail the check.
func TestSingleSubstitution(t *testing.T) {
	r := seeded(t, 3)
	tried := 0
	for range 200 {
		c := mustNew(t, r)
		for pos := range Length {
			for v := range radix {
				if Alphabet[v] == c[pos] {
					continue
				}
				typo := string(c[:pos]) + string(Alphabet[v]) + string(c[pos+1:])
				tried++
				if Code(typo).Valid() {
					t.Fatalf("%q -> %q (position %d) not detected", c, typo, pos+1)
				}
				if _, err := Parse(typo); !errors.Is(err, ErrCheck) {
					t.Fatalf("Parse(%q) error = %v, want ErrCheck", typo, err)
				}
			}
		}
	}
	if want := 200 * Length * (radix - 1); tried != want {
		t.Fatalf("tried %d substitutions, want %d", tried, want)
	}
}

// TestAdjacentTransposition measures how often swapping two neighbouring,
// different characters is caught, over random codes.
func TestAdjacentTransposition(t *testing.T) {
	const codes = 20_000
	r := seeded(t, 4)
	swaps, caught := 0, 0
	for range codes {
		c := []byte(mustNew(t, r))
		for i := range Length - 1 {
			if c[i] == c[i+1] {
				continue // not an error
			}
			c[i], c[i+1] = c[i+1], c[i]
			swaps++
			if _, err := Parse(string(c)); errors.Is(err, ErrCheck) {
				caught++
			} else if !isZeroZ(c[i], c[i+1]) {
				t.Errorf("undetected swap %q at %d is not 0<->Z", c, i+1)
			}
			c[i], c[i+1] = c[i+1], c[i]
		}
	}
	rate := float64(caught) / float64(swaps)
	t.Logf("adjacent transpositions over %d random codes: caught %d of %d (%.4f%%)",
		codes, caught, swaps, 100*rate)
	if rate < 0.95 {
		t.Fatalf("transposition detection rate %.4f%% below 95%%", 100*rate)
	}
}

// TestTranspositionPairs is the exact figure: for every ordered pair of
// distinct characters at every adjacent position, whether a swap is caught.
// Luhn mod 32 misses exactly 0<->Z (a + 2a' ≡ b + 2b' needs {a,b} = {0,31}).
func TestTranspositionPairs(t *testing.T) {
	base := []byte(mustNew(t, seeded(t, 5)))
	pairs, caught := 0, 0
	for i := range Length - 1 {
		for a := range radix {
			for b := range radix {
				if a == b {
					continue
				}
				c := bytes.Clone(base)
				c[i], c[i+1] = Alphabet[a], Alphabet[b]
				// Fix the check character so that c is valid (unless the
				// pair includes the check position itself, in which case
				// repair the character before it).
				fix := dataLen
				if i+1 == dataLen {
					fix = i - 1
				}
				c = repair(t, c, fix)
				c[i], c[i+1] = c[i+1], c[i]
				pairs++
				if !Code(c).Valid() {
					caught++
				} else if !isZeroZ(Alphabet[a], Alphabet[b]) {
					t.Errorf("swap of %q,%q at %d undetected", Alphabet[a], Alphabet[b], i+1)
				}
			}
		}
	}
	per := pairs / (Length - 1)
	t.Logf("exhaustive: caught %d of %d ordered pairs per position (%.4f%%)",
		caught/(Length-1), per, 100*float64(caught)/float64(pairs))
	if want := (Length - 1) * (per - 2); caught != want {
		t.Fatalf("caught %d of %d, want all but the 0<->Z pairs (%d)", caught, pairs, want)
	}
}

// repair sets c[pos] to the one character that makes c valid.
func repair(t *testing.T, c []byte, pos int) []byte {
	t.Helper()
	for v := range radix {
		c[pos] = Alphabet[v]
		if Code(c).Valid() {
			return c
		}
	}
	t.Fatalf("no character at %d makes %q valid", pos+1, c)
	return nil
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"7KQ4-MRT9-XHA2", "000000000000", "0000-0000-0000", "7kq4 mrt9 xha2",
		"OOOO-IIII-LLLL", "U", "", "ZZZZZZZZZZZZ", "\u2013\u00a0", "Ä7KQ4MRT9XHA2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if c != "" {
				t.Fatalf("Parse(%q) = %q with error %v", s, c, err)
			}
			if !errors.Is(err, ErrLength) && !errors.Is(err, ErrCharacter) && !errors.Is(err, ErrCheck) {
				t.Fatalf("Parse(%q): error %v wraps no sentinel", s, err)
			}
			return
		}
		if !c.Valid() || len(c) != Length || strings.ToUpper(string(c)) != string(c) {
			t.Fatalf("Parse(%q) = %q is not canonical", s, c)
		}
		if again, err := Parse(string(c)); err != nil || again != c {
			t.Fatalf("Parse(%q) = %q, %v; want itself", c, again, err)
		}
		if shown, err := Parse(c.String()); err != nil || shown != c {
			t.Fatalf("Parse(%q) = %q, %v; want %q", c.String(), shown, err, c)
		}
	})
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	c, err := New(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	in := strings.ToLower(c.String())
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}
