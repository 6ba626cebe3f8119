package wilayah

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// The region files are read with this small CSV reader rather than
// encoding/csv, whose string per record (91,600 of them) was most of Load's
// time and garbage; here fields are slices of the file text. It follows
// RFC 4180 like encoding/csv's defaults (FuzzCSV compares the two): quoted
// fields may hold commas, newlines and doubled quotes, a quote inside an
// unquoted field is an error, CRLF and LF both end a record, and blank
// lines are skipped. Unlike encoding/csv it keeps a CRLF inside quotes as
// it is; no region name spans lines.

var (
	errFieldCount = errors.New("wrong number of fields")
	errBareQuote  = errors.New(`bare " in non-quoted field`)
	errQuote      = errors.New(`extraneous or missing " in quoted field`)
)

// readAll reads r into one string, which the parsed fields then share.
func readAll(r io.Reader) (string, error) {
	var b strings.Builder
	if _, err := io.Copy(&b, r); err != nil {
		return "", err
	}
	return b.String(), nil
}

// csvText walks the records of a CSV text.
type csvText struct {
	s    string
	pos  int
	line int // line of s[pos], from 1
}

// next returns the next record's fields in dst[:0] and the line it starts
// on; io.EOF at the end.
func (c *csvText) next(dst []string) ([]string, int, error) {
	// Skip blank lines.
	for c.pos < len(c.s) {
		switch {
		case c.s[c.pos] == '\n':
			c.pos++
			c.line++
			continue
		case c.s[c.pos] == '\r' && c.pos+1 < len(c.s) && c.s[c.pos+1] == '\n':
			c.pos += 2
			c.line++
			continue
		}
		break
	}
	if c.pos >= len(c.s) {
		return dst[:0], c.line, io.EOF
	}
	start := c.line
	dst = dst[:0]
	for {
		f, err := c.field()
		if err != nil {
			return dst, start, err
		}
		dst = append(dst, f)
		if c.pos >= len(c.s) {
			return dst, start, nil
		}
		if c.s[c.pos] == ',' {
			c.pos++
			continue
		}
		// At the end of the line: field stops only at ',' or a line end.
		if c.s[c.pos] == '\r' {
			c.pos++
		}
		c.pos++ // '\n'
		c.line++
		return dst, start, nil
	}
}

// field reads one field and leaves pos on the ',' or line end after it.
func (c *csvText) field() (string, error) {
	s := c.s
	if c.pos < len(s) && s[c.pos] == '"' {
		return c.quoted()
	}
	i := c.pos
	for i < len(s) && s[i] != ',' && s[i] != '\n' {
		if s[i] == '"' {
			return "", errBareQuote
		}
		i++
	}
	f := s[c.pos:i]
	if i < len(s) && s[i] == '\n' && strings.HasSuffix(f, "\r") {
		f = f[:len(f)-1]
		i--
	}
	c.pos = i
	return f, nil
}

func (c *csvText) quoted() (string, error) {
	s := c.s
	c.pos++                // opening quote
	var b *strings.Builder // only for fields with doubled quotes
	from := c.pos
	for i := c.pos; i < len(s); i++ {
		switch s[i] {
		case '\n':
			c.line++
		case '"':
			if i+1 < len(s) && s[i+1] == '"' {
				if b == nil {
					b = &strings.Builder{}
				}
				b.WriteString(s[from : i+1])
				i++
				from = i + 1
				continue
			}
			f := s[from:i]
			if b != nil {
				b.WriteString(f)
				f = b.String()
			}
			c.pos = i + 1
			switch {
			case c.pos == len(s), s[c.pos] == ',', s[c.pos] == '\n',
				s[c.pos] == '\r' && c.pos+1 < len(s) && s[c.pos+1] == '\n':
				return f, nil
			}
			return "", errQuote
		}
	}
	return "", errQuote // no closing quote
}

// readCSV checks the header and calls fn for each further record with its
// line number. Errors get the file name and line.
func readCSV(file, text string, header []string, fn func(line int, rec []string) error) error {
	c := csvText{s: text, line: 1}
	rec, line, err := c.next(make([]string, 0, len(header)+1))
	if err == io.EOF {
		return fmt.Errorf("%s: empty, want the header %q", file, strings.Join(header, ","))
	}
	if err != nil {
		return fmt.Errorf("%s line %d: %w", file, line, err)
	}
	if !isHeader(rec, header) {
		return fmt.Errorf("%s line %d: header is %q, want %q", file, line, strings.Join(rec, ","), strings.Join(header, ","))
	}
	for {
		rec, line, err = c.next(rec)
		if err == io.EOF {
			return nil
		}
		if err != nil { // at the record's first line: a quote may have run on
			return fmt.Errorf("%s line %d: %w", file, line, err)
		}
		if len(rec) != len(header) {
			return fmt.Errorf("%s line %d: %w: got %d, want %d", file, line, errFieldCount, len(rec), len(header))
		}
		if err := fn(line, rec); err != nil {
			return fmt.Errorf("%s line %d: %w", file, line, err)
		}
	}
}

func isHeader(rec, header []string) bool {
	if len(rec) != len(header) {
		return false
	}
	for i, h := range header {
		f := rec[i]
		if i == 0 {
			f = strings.TrimPrefix(f, "\ufeff") // spreadsheet exports add a BOM
		}
		if strings.TrimSpace(f) != h {
			return false
		}
	}
	return true
}
