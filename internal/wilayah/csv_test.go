package wilayah

import (
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"testing"
)

// FuzzCSV checks the small CSV reader against encoding/csv: the same
// records, and an error where it has one. Carriage returns are left out:
// encoding/csv rewrites "\r\n" inside quotes to "\n", this reader keeps the
// text as it is, and the region files have no multi-line names.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{smallCSV, "a,b\n\"c,d\",\"e\"\"f\"\n\n", "a,\"b\nc\"\n", "a\"b\n", "\"a\"b\n", "\"a", ",\n,,\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.Contains(s, "\r") {
			return
		}
		var want [][]string
		var wantErr error
		r := csv.NewReader(strings.NewReader(s))
		r.FieldsPerRecord = -1
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				wantErr = err
				break
			}
			want = append(want, rec)
		}
		c := csvText{s: s, line: 1}
		var rec []string
		for i := 0; ; i++ {
			var err error
			rec, _, err = c.next(rec)
			if err == io.EOF {
				if wantErr != nil || i != len(want) {
					t.Fatalf("%q: %d records, then EOF; encoding/csv: %d records, %v", s, i, len(want), wantErr)
				}
				return
			}
			if err != nil {
				if wantErr == nil || i != len(want) {
					t.Fatalf("%q: error %v at record %d; encoding/csv: %d records, %v", s, err, i, len(want), wantErr)
				}
				return
			}
			if i >= len(want) || !slices.Equal(rec, want[i]) {
				t.Fatalf("%q: record %d = %q; encoding/csv: %q, %v", s, i, rec, want, wantErr)
			}
		}
	})
}
