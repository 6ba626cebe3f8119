package nik

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    NIK
		wantErr error
	}{
		{"man", "6411011203850002", NIK{Digits: "6411011203850002", Day: 12, Month: 3, YY: 85, Serial: 2}, nil},
		{"woman day+40", "6411015203850002", NIK{Digits: "6411015203850002", Day: 12, Month: 3, YY: 85, Female: true, Serial: 2}, nil},
		{"woman day 71", "6411017112990001", NIK{Digits: "6411017112990001", Day: 31, Month: 12, YY: 99, Female: true, Serial: 1}, nil},
		{"29 feb 2000 is real", "6411012902000001", NIK{Digits: "6411012902000001", Day: 29, Month: 2, YY: 0, Serial: 1}, nil},
		{"too short", "641101120385000", NIK{}, ErrLength},
		{"too long", "64110112038500021", NIK{}, ErrLength},
		{"dots", "64.11.01.1203850", NIK{}, ErrDigits},
		{"letter", "64110112038500O2", NIK{}, ErrDigits},
		{"space", "6411011203 85000", NIK{}, ErrDigits},
		{"day 00", "6411010003850002", NIK{}, ErrDay},
		{"day 32", "6411013203850002", NIK{}, ErrDay},
		{"day 40", "6411014003850002", NIK{}, ErrDay},
		{"day 72", "6411017203850002", NIK{}, ErrDay},
		{"month 13", "6411011213850002", NIK{}, ErrDate},
		{"31 april", "6411013104850002", NIK{}, ErrDate},
		{"women 31 april", "6411017104850002", NIK{}, ErrDate},
		{"30 feb", "6411013002850002", NIK{}, ErrDate},
		{"29 feb 2001 / 1901", "6411012902010001", NIK{}, ErrDate},
		{"serial 0000", "6411011203850000", NIK{}, ErrSerial},
		{"empty", "", NIK{}, ErrLength},
		{"non-ascii digits", "６411011203850002", NIK{}, ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want %v", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestBirthDateCentury(t *testing.T) {
	today := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		nik  string
		want string
	}{
		{"6411011203850002", "1985-03-12"},
		{"6411011203200002", "2020-03-12"},
		{"6411012211260002", "2026-11-22"}, // born today
		{"6411012311260002", "1926-11-23"}, // tomorrow in 2026 would be the future
		{"6411012902000001", "2000-02-29"},
	}
	for _, tt := range tests {
		n, err := Parse(tt.nik)
		if err != nil {
			t.Fatal(err)
		}
		if got := n.BirthDate(today).Format("2006-01-02"); got != tt.want {
			t.Errorf("%s: BirthDate = %s, want %s", tt.nik, got, tt.want)
		}
	}
}

func TestMatchesDateAndSex(t *testing.T) {
	n, err := Parse("6411015203850002")
	if err != nil {
		t.Fatal(err)
	}
	if !n.MatchesDate(time.Date(1985, 3, 12, 0, 0, 0, 0, time.UTC)) {
		t.Error("NIK should match 1985-03-12")
	}
	if n.MatchesDate(time.Date(1985, 3, 13, 0, 0, 0, 0, time.UTC)) {
		t.Error("NIK should not match 1985-03-13")
	}
	if n.Sex() != "P" || n.DistrictCode() != "64.11.01" {
		t.Errorf("Sex=%s District=%s", n.Sex(), n.DistrictCode())
	}
}

func TestParseKK(t *testing.T) {
	if _, err := ParseKK("6411010101200003"); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseKK("64110101012000"); !errors.Is(err, ErrLength) {
		t.Fatalf("short KK: %v", err)
	}
	if _, err := ParseKK("641101010120000A"); !errors.Is(err, ErrDigits) {
		t.Fatalf("letter in KK: %v", err)
	}
}

func TestMasked(t *testing.T) {
	if got := Masked("6411015203850002"); got != "641101********02" {
		t.Errorf("Masked = %s", got)
	}
	if got := Masked("123"); got != "****************" {
		t.Errorf("Masked short = %s", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"6411011203850002", "6411015203850002", "6411010003850002", "", "64110112038500021", "6411012902000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		if n.Digits != s || n.Serial == 0 || n.Day < 1 || n.Day > 31 || n.Month < 1 || n.Month > 12 {
			t.Fatalf("Parse(%q) accepted an invalid NIK: %+v", s, n)
		}
		bd := n.BirthDate(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
		if !n.MatchesDate(bd) {
			t.Fatalf("Parse(%q): BirthDate %v does not match its own NIK", s, bd)
		}
	})
}
