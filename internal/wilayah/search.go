package wilayah

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search finds regions whose name contains query, ignoring case,
// punctuation, apostrophes and repeated spaces ("pasi kuala bau" finds
// "Pasi Kuala Ba'u"). Names that start with the query come first, then
// names with a word that starts with it, then other matches; within each,
// shorter names first, then by code. under restricts the search to the
// descendants of that code ("" searches everywhere; an unknown code finds
// nothing). limit <= 0 means no limit. A query with no letters or digits
// finds nothing.
func (t *Tree) Search(query string, under string, limit int) []Region {
	return t.SearchLevel(query, under, 0, limit)
}

// SearchLevel is Search restricted to one level (0 = any), applied before
// the limit, e.g. for a form that picks a village by name.
func (t *Tree) SearchLevel(query string, under string, level Level, limit int) []Region {
	q := string(appendFold(nil, query))
	if q == "" {
		return nil
	}
	lo, hi := 0, len(t.regions)
	if under != "" {
		i, ok := t.find(under)
		if !ok {
			return nil
		}
		lo, hi = i+1, int(t.end[i])
	}
	if lo >= hi {
		return nil
	}

	type match struct {
		rank, length, i int32
	}
	var found []match
	base := int(t.starts[lo])
	text := t.names[base : t.starts[hi]-1] // the folded names of regions lo..hi-1
	for off := 0; off < len(text); {
		k := strings.Index(text[off:], q)
		if k < 0 {
			break
		}
		pos := base + off + k
		// The region whose name holds pos: the last start <= pos.
		i, exact := slices.BinarySearch(t.starts[lo:hi], int32(pos))
		if !exact {
			i--
		}
		i += lo
		start, stop := int(t.starts[i]), int(t.starts[i+1])-1
		off = stop - base + 1 // go on with the next name
		if level != 0 && t.regions[i].Level != level {
			continue
		}
		found = append(found, match{rank(t.names[start:stop], q, pos-start), int32(stop - start), int32(i)})
	}
	// Index order is code order, so i breaks ties by code.
	slices.SortFunc(found, func(a, b match) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.length, b.length), cmp.Compare(a.i, b.i))
	})
	if limit > 0 && len(found) > limit {
		found = found[:limit]
	}
	out := make([]Region, len(found))
	for j, m := range found {
		out[j] = t.regions[m.i]
	}
	return out
}

// rank is 0 if name starts with q, 1 if a word of name does, else 2. first
// is the first place q occurs in name; later ones may start a word.
func rank(name, q string, first int) int32 {
	if first == 0 {
		return 0
	}
	for at := first; ; {
		if name[at-1] == ' ' {
			return 1
		}
		k := strings.Index(name[at+1:], q)
		if k < 0 {
			return 2
		}
		at += 1 + k
	}
}

// buildNames folds every name into t.names, each preceded by "\x00". Folded
// text never holds "\x00", so a match cannot run across two names.
func (t *Tree) buildNames() {
	size := 0
	for _, r := range t.regions {
		size += 1 + len(r.Name)
	}
	b := make([]byte, 0, size)
	t.starts = make([]int32, len(t.regions)+1)
	for i, r := range t.regions {
		b = append(b, 0)
		t.starts[i] = int32(len(b))
		b = appendFold(b, r.Name)
	}
	t.starts[len(t.regions)] = int32(len(b) + 1)
	t.names = string(b)
}

// appendFold appends s lower-cased, with apostrophes dropped ("Ba'u" and
// "bau" are the same name to whoever types it) and every other run of
// non-letters, non-digits turned into one space, trimmed.
func appendFold(b []byte, s string) []byte {
	start := len(b)
	space := false // a separator is pending
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c == '\'' || c == '`':
				continue
			default:
				space = true
				continue
			}
			if space && len(b) > start {
				b = append(b, ' ')
			}
			space = false
			b = append(b, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\u2018' || r == '\u2019' || r == '\u00b4' || r == '\u02bc':
			continue // typographic apostrophes: ‘ ’ ´ ʼ
		case unicode.IsLetter(r) || unicode.IsDigit(r):
		default:
			space = true
			continue
		}
		if space && len(b) > start {
			b = append(b, ' ')
		}
		space = false
		b = utf8.AppendRune(b, unicode.ToLower(r))
	}
	return b
}
