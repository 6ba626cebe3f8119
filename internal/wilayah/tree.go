package wilayah

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Tree is a parsed region list. It is read-only and safe for concurrent use.
type Tree struct {
	// regions is sorted by code. Groups have fixed widths and '.' sorts
	// before the digits, so that order is a depth-first walk: a region's
	// descendants directly follow it, and a subtree is an index range.
	regions []Region
	keys    []uint64 // keys[i] = key(regions[i].Code), in the same order
	end     []int32  // end[i] is one past the last descendant of regions[i]
	retired []uint64 // keys of retired district codes, sorted

	// names holds the folded names in the order of regions, each after a
	// "\x00", so a search (or a search within a subtree) scans one string.
	names  string
	starts []int32 // starts[i] is where region i's folded name begins; starts[len] = len(names)+1
}

// File names used in Parse errors.
const (
	currentName = "wilayah.csv"
	retiredName = "kecamatan_lama.csv"
)

var (
	currentHeader = []string{"kode", "nama"}
	retiredHeader = []string{"kode", "nama", "terakhir_ada"}
)

// Parse reads a region list in the format of the embedded files: current
// with the columns kode,nama and retired (which may be nil) with
// kode,nama,terakhir_ada, both with a header line. Codes may be in any form
// NormalizeCode accepts and rows in any order, but no code may repeat and
// every region's parent must be in the list. Errors name the file and line
// ("wilayah.csv line 12: ...").
func Parse(current, retired io.Reader) (*Tree, error) {
	if current == nil {
		return nil, errors.New("wilayah: no current region list")
	}
	cur, err := readAll(current)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", currentName, err)
	}
	var ret string
	if retired != nil {
		if ret, err = readAll(retired); err != nil {
			return nil, fmt.Errorf("%s: %w", retiredName, err)
		}
	}
	return parse(cur, ret, retired != nil)
}

// parse builds a Tree from the text of the files. Names and codes are
// slices of that text.
func parse(current, retired string, haveRetired bool) (*Tree, error) {
	rows := strings.Count(current, "\n") + 1 // room for all, so append never copies
	t := &Tree{regions: make([]Region, 0, rows)}
	lines := make([]int32, 0, rows) // file line of each region, for errors found after reading
	err := readCSV(currentName, current, currentHeader, func(line int, rec []string) error {
		code, err := NormalizeCode(rec[0])
		if err != nil {
			return err
		}
		name := strings.TrimSpace(rec[1])
		if name == "" {
			return fmt.Errorf("%s has an empty name", code)
		}
		t.regions = append(t.regions, Region{Code: code, Name: name, Level: levelOf(code)})
		lines = append(lines, int32(line))
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.keys = make([]uint64, len(t.regions))
	for i, r := range t.regions {
		t.keys[i] = key(r.Code)
	}
	if !slices.IsSorted(t.keys) {
		t.sort(lines)
	}
	if err := t.check(lines); err != nil {
		return nil, err
	}
	t.buildEnds()
	t.buildNames()

	if haveRetired {
		var rlines []int32
		err := readCSV(retiredName, retired, retiredHeader, func(line int, rec []string) error {
			code, err := NormalizeCode(rec[0])
			if err != nil {
				return err
			}
			if l := levelOf(code); l != District {
				return fmt.Errorf("%s is a %s code, want a district (PP.RR.DD)", code, l)
			}
			if strings.TrimSpace(rec[1]) == "" {
				return fmt.Errorf("%s has an empty name", code)
			}
			if y := rec[2]; len(y) != 4 || !isDigits(y) {
				return fmt.Errorf("%s: terakhir_ada %q is not a year", code, y)
			}
			t.retired = append(t.retired, key(code))
			rlines = append(rlines, int32(line))
			return nil
		})
		if err != nil {
			return nil, err
		}
		// Few rows: sort by key with their lines, then look for repeats.
		idx := make([]int, len(t.retired))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int {
			return cmp.Or(cmp.Compare(t.retired[a], t.retired[b]), cmp.Compare(rlines[a], rlines[b]))
		})
		keys := make([]uint64, len(idx))
		for i, j := range idx {
			keys[i] = t.retired[j]
			if i > 0 && keys[i] == keys[i-1] {
				return nil, fmt.Errorf("%s line %d: %s repeats line %d",
					retiredName, rlines[j], codeOf(keys[i]), rlines[idx[i-1]])
			}
		}
		t.retired = keys
	}
	return t, nil
}

// sort puts regions (and their lines and keys) in code order, for lists
// that do not come sorted.
func (t *Tree) sort(lines []int32) {
	idx := make([]int32, len(t.regions))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		return cmp.Or(cmp.Compare(t.keys[a], t.keys[b]), cmp.Compare(lines[a], lines[b]))
	})
	regions := make([]Region, len(idx))
	keys := make([]uint64, len(idx))
	sorted := make([]int32, len(idx))
	for i, j := range idx {
		regions[i], keys[i], sorted[i] = t.regions[j], t.keys[j], lines[j]
	}
	t.regions, t.keys = regions, keys
	copy(lines, sorted)
}

// check reports a repeated code or a region whose parent is missing (a
// village without its district would make Path and Children silently
// incomplete), the one earliest in the file. Regions are sorted.
func (t *Tree) check(lines []int32) error {
	var err error
	errLine := int32(math.MaxInt32)
	for i, r := range t.regions {
		if lines[i] > errLine {
			continue
		}
		if i > 0 && t.keys[i] == t.keys[i-1] {
			// Sorted by line within a code: i-1 came first.
			err, errLine = fmt.Errorf("%s line %d: %s repeats line %d", currentName, lines[i], r.Code, lines[i-1]), lines[i]
			continue
		}
		if r.Level == Province {
			continue
		}
		if p := parentCode(r.Code); !t.has(p) {
			err, errLine = fmt.Errorf("%s line %d: %s %s (%s) has no %s %s in the list",
				currentName, lines[i], r.Level, r.Code, r.Name, levelOf(p), p), lines[i]
		}
	}
	return err
}

// has reports whether a canonical code is in the list.
func (t *Tree) has(code string) bool {
	_, ok := slices.BinarySearch(t.keys, key(code))
	return ok
}

// buildEnds fills end: a region's subtree stops at the next region of the
// same or a higher level.
func (t *Tree) buildEnds() {
	t.end = make([]int32, len(t.regions))
	var open []int32 // regions whose subtree has not ended yet, deepest last
	for i, r := range t.regions {
		for len(open) > 0 && t.regions[open[len(open)-1]].Level >= r.Level {
			t.end[open[len(open)-1]] = int32(i)
			open = open[:len(open)-1]
		}
		open = append(open, int32(i))
	}
	for _, j := range open {
		t.end[j] = int32(len(t.regions))
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// find returns the index of a code in any accepted form.
func (t *Tree) find(code string) (int, bool) {
	var buf [maxCode]byte
	n, ok := canonical(&buf, code)
	if !ok {
		return 0, false
	}
	return slices.BinarySearch(t.keys, key(buf[:n]))
}

// Len is the number of regions in the current list, all levels.
func (t *Tree) Len() int { return len(t.regions) }

// Lookup finds a region by its code in any form NormalizeCode accepts.
func (t *Tree) Lookup(code string) (Region, bool) {
	i, ok := t.find(code)
	if !ok {
		return Region{}, false
	}
	return t.regions[i], true
}

// Parent is the region one level above code; false for a province or an
// unknown code.
func (t *Tree) Parent(code string) (Region, bool) {
	i, ok := t.find(code)
	if !ok || t.regions[i].Level == Province {
		return Region{}, false
	}
	return t.Lookup(parentCode(t.regions[i].Code))
}

// Children lists the regions directly below code, sorted by code; "" lists
// the provinces. It is nil for a village or an unknown code.
func (t *Tree) Children(code string) []Region {
	lo, hi := 0, len(t.regions)
	if code != "" {
		i, ok := t.find(code)
		if !ok {
			return nil
		}
		lo, hi = i+1, int(t.end[i])
	}
	var out []Region
	for j := lo; j < hi; j = int(t.end[j]) {
		out = append(out, t.regions[j])
	}
	return out
}

// Path is the chain from the province down to code itself; nil if code is
// unknown.
func (t *Tree) Path(code string) []Region {
	i, ok := t.find(code)
	if !ok {
		return nil
	}
	r := t.regions[i]
	out := make([]Region, r.Level)
	out[r.Level-1] = r
	for c, l := r.Code, r.Level-1; l >= Province; l-- {
		c = parentCode(c)
		j, _ := slices.BinarySearch(t.keys, key(c)) // present: Parse checks parents
		out[l-1] = t.regions[j]
	}
	return out
}

// DistrictPrefix says whether a district code, such as the first six digits
// of a NIK ("641101" or "64.11.01"), is in the current list and whether it
// is in the retired list. Both are false for anything that is not a
// well-formed district code.
func (t *Tree) DistrictPrefix(prefix string) (current bool, retired bool) {
	var buf [maxCode]byte
	n, ok := canonical(&buf, prefix)
	if !ok || n != len("PP.RR.DD") {
		return false, false
	}
	k := key(buf[:n])
	_, current = slices.BinarySearch(t.keys, k)
	_, retired = slices.BinarySearch(t.retired, k)
	return current, retired
}
