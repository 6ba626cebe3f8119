package merge

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/jemputbola/jemput/internal/record"
)

// DuplicateKey is what two registrations of the same person or event share:
// the NIK of a KTP-el applicant, the NIK of the deceased, or the mother's
// NIK with the child's birth date (twins share it too, so a birth pair is a
// duplicate only if the children's names are also alike: SimilarNames).
// It is "" when the record does not hold enough to say.
func DuplicateKey(kind record.Kind, f record.Fields) string {
	switch kind {
	case record.KindEKTP:
		if f["nik"] != "" {
			return "ektp:" + f["nik"]
		}
	case record.KindDeath:
		if f["deceased_nik"] != "" {
			return "death:" + f["deceased_nik"]
		}
	case record.KindBirth:
		if f["mother.nik"] != "" && f["birth_date"] != "" {
			return "birth:" + f["mother.nik"] + ":" + f["birth_date"]
		}
	}
	return ""
}

// LikelyDuplicate reports whether two records with the same DuplicateKey
// are likely the same registration.
func LikelyDuplicate(kind record.Kind, a, b record.Fields) bool {
	if kind != record.KindBirth {
		return true
	}
	return SimilarNames(a["child_name"], b["child_name"])
}

// SimilarNames says whether two spellings are likely the same name: equal
// after folding case, accents and punctuation ("Ma'ruf" and "MARUF"), or
// within an edit distance of one per five letters ("Yohanes" and
// "Yohannes"). An empty name (a baby not named yet) matches anything:
// better an operator looks twice than a child is registered twice.
func SimilarNames(a, b string) bool {
	x, y := foldName(a), foldName(b)
	if x == "" || y == "" {
		return true
	}
	if x == y {
		return true
	}
	n := max(len([]rune(x)), len([]rune(y)))
	return levenshtein([]rune(x), []rune(y)) <= max(1, n/5)
}

// foldName keeps letters and digits, lower-cased, accents removed, and
// single spaces between words.
func foldName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsSpace(r):
			space = true
		}
	}
	return b.String()
}

func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
