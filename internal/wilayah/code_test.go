package wilayah

import (
	"errors"
	"strings"
	"testing"
)

func TestLevelString(t *testing.T) {
	for l, want := range map[Level]string{
		Province: "province", Regency: "regency", District: "district", Village: "village", 0: "Level(0)", 9: "Level(9)",
	} {
		if got := l.String(); got != want {
			t.Errorf("Level(%d).String() = %q, want %q", int(l), got, want)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	good := []struct{ in, want string }{
		{"64", "64"},
		{"64.11", "64.11"},
		{"64.11.01", "64.11.01"},
		{"64.11.01.2001", "64.11.01.2001"},
		{"6411", "64.11"},
		{"641101", "64.11.01"},
		{"6411012001", "64.11.01.2001"},
		{"64 11 01 2001", "64.11.01.2001"},
		{"64 11", "64.11"},
		{"64.11 01.2001", "64.11.01.2001"},
		{"  64.11.01.2001\n", "64.11.01.2001"},
		{"00", "00"}, // well-formed; whether it exists is Lookup's question
	}
	for _, c := range good {
		got, err := NormalizeCode(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	bad := []string{
		"", " ", "6", "641", "64.1", "6411x", "64.11.01.201", "64.11.01.20011",
		"64110120011", // 11 digits
		"64110120",    // 8 digits: no level has it
		"64..11", "64.11.", ".64", "64-11", "64. 11", "6 4", "64.11.01.2001.01",
		"64.1101", "6411.01", "٦٤", "64\t11", "x",
	}
	for _, in := range bad {
		got, err := NormalizeCode(in)
		if !errors.Is(err, ErrBadCode) {
			t.Errorf("NormalizeCode(%q) = %q, %v; want ErrBadCode", in, got, err)
			continue
		}
		if !strings.Contains(err.Error(), quoteShort(in)) {
			t.Errorf("NormalizeCode(%q) error %q does not quote the input", in, err)
		}
	}
	long := strings.Repeat("1", 1000)
	if _, err := NormalizeCode(long); err == nil || len(err.Error()) > 200 {
		t.Errorf("NormalizeCode(1000 digits) error = %v, want a short one", err)
	}
}

func TestKeyOrder(t *testing.T) {
	// key must sort exactly like the dotted codes: Tree relies on it.
	codes := []string{"11", "11.01", "11.01.01", "11.01.01.0000", "11.01.01.2001", "11.01.02", "11.02", "12", "99.99.99.9999"}
	for i := 1; i < len(codes); i++ {
		if !(key(codes[i-1]) < key(codes[i])) {
			t.Errorf("key(%s) >= key(%s)", codes[i-1], codes[i])
		}
	}
	for _, c := range codes {
		if got := codeOf(key(c)); got != c {
			t.Errorf("codeOf(key(%s)) = %s", c, got)
		}
	}
}

func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"64.11.01.2001", "6411012001", "64 11 01 2001", "64.11", "641101", "64.1", "", " 64 ", "64..11", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeCode(s)
		if err != nil {
			if !errors.Is(err, ErrBadCode) {
				t.Fatalf("NormalizeCode(%q): error %v does not wrap ErrBadCode", s, err)
			}
			return
		}
		if levelOf(got) == 0 {
			t.Fatalf("NormalizeCode(%q) = %q, not a canonical length", s, got)
		}
		again, err := NormalizeCode(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeCode(%q) = %q, which re-normalizes to %q, %v", s, got, again, err)
		}
		if codeOf(key(got)) != got {
			t.Fatalf("codeOf(key(%q)) = %q", got, codeOf(key(got)))
		}
	})
}
