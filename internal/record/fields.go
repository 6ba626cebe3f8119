package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jemputbola/jemput/internal/wilayah"
)

// Fields holds a record's values: dotted path to canonical string. An absent
// key and an empty value both mean "not filled in".
type Fields map[string]string

// Clone returns a copy that can be changed independently.
func (f Fields) Clone() Fields {
	out := make(Fields, len(f))
	for k, v := range f {
		out[k] = v
	}
	return out
}

// Regions is what the domain needs from the region list; *wilayah.Tree
// provides it.
type Regions interface {
	Lookup(code string) (wilayah.Region, bool)
	DistrictPrefix(prefix string) (current, retired bool)
}

// ErrInput marks input that cannot be taken even as a draft: malformed
// JSON, an unknown field, a value of the wrong JSON type, an unknown code.
var ErrInput = errors.New("invalid input")

// InputError says which field could not be read and why, in one line.
type InputError struct {
	Field  string // "" when the whole document is at fault
	Reason string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return fmt.Sprintf("field %q: %s", e.Field, e.Reason)
}

func (e *InputError) Unwrap() error { return ErrInput }

// MaxRecordJSON bounds one record's JSON: a form is a few KiB; anything much
// larger is a mistake (a whole file pasted into one field).
const MaxRecordJSON = 64 << 10

// Decode reads one record's fields from JSON in the contract's shape
// (nested objects for people, an array for witnesses). It refuses what
// cannot be kept even as a draft (see ErrInput) and keeps everything else:
// a wrong NIK or a missing name is a validation problem for later.
func (s *Spec) Decode(data []byte, regions Regions) (Fields, error) {
	if len(data) > MaxRecordJSON {
		return nil, &InputError{Reason: fmt.Sprintf("record is %d bytes; the limit is %d", len(data), MaxRecordJSON)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, &InputError{Reason: "malformed JSON: " + jsonReason(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &InputError{Reason: "malformed JSON: unexpected data after the record"}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, &InputError{Reason: "expected a JSON object {...}"}
	}
	out := Fields{}
	if err := s.flatten("", obj, regions, out); err != nil {
		return nil, err
	}
	return out, nil
}

func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

func (s *Spec) flatten(prefix string, v any, regions Regions, out Fields) error {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if k == "" || strings.Contains(k, ".") {
				return &InputError{Field: prefix + k, Reason: "unknown field"}
			}
			if err := s.flatten(join(prefix, k), child, regions, out); err != nil {
				return err
			}
		}
		return nil
	case []any:
		if !s.isGroup(prefix) {
			return s.leaf(prefix, v, regions, out)
		}
		for i, child := range v {
			path := join(prefix, strconv.Itoa(i))
			if !s.isGroup(path) {
				return &InputError{Field: prefix, Reason: fmt.Sprintf("has %d entries; at most %d", len(v), i)}
			}
			if err := s.flatten(path, child, regions, out); err != nil {
				return err
			}
		}
		return nil
	default:
		return s.leaf(prefix, v, regions, out)
	}
}

func (s *Spec) leaf(path string, v any, regions Regions, out Fields) error {
	f, ok := s.byPath[path]
	if !ok {
		if s.isGroup(path) {
			if v == nil {
				return nil // "father": null is an absent father
			}
			return &InputError{Field: path, Reason: "must be an object or a list, not a single value"}
		}
		return &InputError{Field: path, Reason: "unknown field"}
	}
	if v == nil {
		return nil
	}
	var raw string
	switch v := v.(type) {
	case string:
		if f.Type == TypeBool {
			return &InputError{Field: path, Reason: "must be true or false (without quotes)"}
		}
		raw = v
	case json.Number:
		if f.Type != TypeInt && f.Type != TypeRTRW {
			return &InputError{Field: path, Reason: "must be a JSON string in quotes" + numberHint(f)}
		}
		raw = v.String()
	case bool:
		if f.Type != TypeBool {
			return &InputError{Field: path, Reason: "must be " + jsonTypeName(f)}
		}
		raw = strconv.FormatBool(v)
	default:
		return &InputError{Field: path, Reason: "must be " + jsonTypeName(f)}
	}
	val, err := s.canon(f, raw, regions)
	if err != nil {
		return err
	}
	if val != "" {
		out[path] = val
	}
	return nil
}

func numberHint(f *Field) string {
	if f.Type == TypeNIK || f.Type == TypeKK {
		return " (a number would lose leading zeros and precision)"
	}
	return ""
}

func jsonTypeName(f *Field) string {
	switch f.Type {
	case TypeInt:
		return "a whole number"
	case TypeBool:
		return "true or false"
	}
	return "a JSON string in quotes"
}

// ParseValue reads one value typed by a person or a script ("field=value")
// into its canonical form, with the same refusals as Decode. An empty value
// clears the field.
func (s *Spec) ParseValue(path, raw string, regions Regions) (string, error) {
	f, ok := s.byPath[path]
	if !ok {
		return "", &InputError{Field: path, Reason: "unknown field for " + string(s.Kind)}
	}
	if f.Type == TypeBool {
		switch strings.ToLower(strings.TrimSpace(raw)) {
		case "true", "ya", "yes", "1":
			raw = "true"
		case "false", "tidak", "no", "0", "":
			raw = "false"
		default:
			return "", &InputError{Field: path, Reason: "must be true or false (ya/tidak)"}
		}
	}
	return s.canon(f, raw, regions)
}

// canon turns a raw value into the stored form, refusing what cannot be a
// draft value. Everything else, even if wrong, is kept for the officer to fix.
func (s *Spec) canon(f *Field, raw string, regions Regions) (string, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", nil
	}
	switch f.Type {
	case TypeName:
		v = strings.Join(strings.Fields(v), " ")
	case TypeEnum:
		for _, c := range f.Choices {
			if strings.EqualFold(c.Code, v) {
				return c.Code, nil
			}
		}
		return "", &InputError{Field: f.Path, Reason: fmt.Sprintf("unknown code %q (one of: %s)", v, f.choiceCodes())}
	case TypeInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", &InputError{Field: f.Path, Reason: fmt.Sprintf("%q is not a whole number", v)}
		}
		return strconv.FormatInt(n, 10), nil
	case TypeVillage:
		r, ok := regions.Lookup(v)
		if !ok {
			return "", &InputError{Field: f.Path, Reason: fmt.Sprintf("unknown village code %q (not in the Kemendagri list)", v)}
		}
		if r.Level != wilayah.Village {
			return "", &InputError{Field: f.Path, Reason: fmt.Sprintf("%s (%s) is a %s, not a village: use the 10-digit code PP.RR.DD.VVVV", r.Code, r.Name, r.Level)}
		}
		return r.Code, nil
	}
	return v, nil
}

// isGroup reports whether path is a strict prefix of some field path, i.e.
// an object or list in the JSON shape.
func (s *Spec) isGroup(path string) bool {
	p := path + "."
	for _, f := range s.Fields {
		if strings.HasPrefix(f.Path, p) {
			return true
		}
	}
	return false
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// JSON returns the fields in the contract's nested shape, with numbers and
// booleans typed, ready for encoding/json.
func (s *Spec) JSON(fields Fields) map[string]any {
	root := map[string]any{}
	for _, f := range s.Fields {
		v, ok := fields[f.Path]
		if !ok || v == "" {
			continue
		}
		var typed any = v
		switch f.Type {
		case TypeInt:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				typed = n
			}
		case TypeBool:
			typed = v == "true"
		}
		setPath(root, strings.Split(f.Path, "."), typed)
	}
	return arrays(root).(map[string]any)
}

func setPath(m map[string]any, parts []string, v any) {
	if len(parts) == 1 {
		m[parts[0]] = v
		return
	}
	child, ok := m[parts[0]].(map[string]any)
	if !ok {
		child = map[string]any{}
		m[parts[0]] = child
	}
	setPath(child, parts[1:], v)
}

// arrays turns objects keyed 0..n-1 into lists (witnesses).
func arrays(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, c := range m {
		m[k] = arrays(c)
	}
	max := -1
	for k := range m {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 {
			return m
		}
		if i > max {
			max = i
		}
	}
	if max < 0 {
		return m
	}
	list := make([]any, max+1)
	for i := range list {
		if c, ok := m[strconv.Itoa(i)]; ok {
			list[i] = c
		} else {
			list[i] = map[string]any{}
		}
	}
	return list
}

// VillageCode is the record's village.
func (f Fields) VillageCode() string { return f["village_code"] }

// Name is the name a list shows for the record.
func (s *Spec) Name(f Fields) string { return f[s.NameField] }
