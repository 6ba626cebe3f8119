package merge

import (
	"testing"

	"github.com/jemputbola/jemput/internal/record"
)

func TestSimilarNames(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"Ma'ruf", "MARUF", true},
		{"Yohanes Lawing", "Yohannes Lawing", true},
		{"Nguyễn", "nguyen", true},
		{"", "Bayi", true},
		{"Maria Hanyeq", "Yohanes Ding", false},
		{"Ani", "Ina", false},
		{"Bayi Ny. Hudoq", "Bayi Ny Hudoq", true},
	}
	for _, tt := range tests {
		if got := SimilarNames(tt.a, tt.b); got != tt.want {
			t.Errorf("SimilarNames(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestDuplicateKey(t *testing.T) {
	tests := []struct {
		kind record.Kind
		f    record.Fields
		want string
	}{
		{record.KindEKTP, record.Fields{"nik": "6411011505900001"}, "ektp:6411011505900001"},
		{record.KindEKTP, record.Fields{}, ""},
		{record.KindDeath, record.Fields{"deceased_nik": "6411011505500001"}, "death:6411011505500001"},
		{record.KindBirth, record.Fields{"mother.nik": "6411015505950001", "birth_date": "2026-11-01"}, "birth:6411015505950001:2026-11-01"},
		{record.KindBirth, record.Fields{"mother.nik": "6411015505950001"}, ""},
	}
	for _, tt := range tests {
		if got := DuplicateKey(tt.kind, tt.f); got != tt.want {
			t.Errorf("DuplicateKey(%s, %v) = %q, want %q", tt.kind, tt.f, got, tt.want)
		}
	}
	twinA := record.Fields{"child_name": "Hosea"}
	twinB := record.Fields{"child_name": "Hana"}
	if LikelyDuplicate(record.KindBirth, twinA, twinB) {
		t.Error("twins with different names flagged as one birth")
	}
	if !LikelyDuplicate(record.KindBirth, twinA, record.Fields{"child_name": "HOSEA"}) {
		t.Error("the same child twice not flagged")
	}
}
