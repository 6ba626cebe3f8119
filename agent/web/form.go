package web

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/wilayah"
)

// The form for a kind is drawn from its record.Spec: one input per field,
// one box per group, the same validation the CLI uses, messages in the
// officer's language next to the field they concern.

type option struct {
	Value, Label string
	Selected     bool
}

type input struct {
	Path, ID, Label string
	// Type picks the control: text, nik, date, time, number, select,
	// checkbox, village (a select of the assigned villages) or villagecode
	// (a code typed, when no villages are assigned).
	Type             string
	Value            string
	Required         bool
	Min, Max         int
	Options          []option
	Errors, Warnings []string
	// Fix: the hub asked for this field to be corrected.
	Fix      bool
	Readback string
}

type group struct {
	Legend string
	Inputs []input
}

type form struct {
	ID, Kind, KindLabel string
	TrackingCode        string
	Status              record.Status
	New                 bool
	Groups              []group
	// Other lists problems that belong to no field.
	Other        []string
	ErrorCount   int
	NeedsConfirm bool
	Correction   *record.Decision
	FixLabels    []string
	FromWorklist string
}

// formEnv is what drawing a form needs besides the record.
type formEnv struct {
	villages []village
	regions  *wilayah.Tree
	lang     record.Lang
	today    time.Time
}

// village is one assigned village, for the picker.
type village struct{ Code, Name, District string }

func inputID(path string) string { return "f-" + strings.ReplaceAll(path, ".", "-") }

// buildForm lays out spec with values; raw holds typed values that could
// not be read (shown back as typed), problems the validation to show.
func buildForm(env formEnv, spec *record.Spec, values record.Fields, raw map[string]string, problems record.Problems, inputErrs map[string]string, fix []string) form {
	villages, regions, lang := env.villages, env.regions, env.lang
	f := form{Kind: string(spec.Kind), KindLabel: spec.Label.In(lang)}
	fixing := map[string]bool{}
	for _, p := range fix {
		fixing[p] = true
	}
	known := map[string]bool{}
	var cur *group
	for _, fd := range spec.Fields {
		known[fd.Path] = true
		legend := fd.Group.In(lang)
		if cur == nil || cur.Legend != legend {
			f.Groups = append(f.Groups, group{Legend: legend})
			cur = &f.Groups[len(f.Groups)-1]
		}
		in := input{Path: fd.Path, ID: inputID(fd.Path), Label: fd.Label.In(lang), Required: fd.Required, Min: fd.Min, Max: fd.Max,
			Value: values[fd.Path], Fix: fixing[fd.Path]}
		if v, ok := raw[fd.Path]; ok {
			in.Value = v
		}
		switch fd.Type {
		case record.TypeNIK:
			in.Type = "nik"
			in.Readback = nikWords(in.Value, regions, lang, env.today)
		case record.TypeKK:
			in.Type = "nik"
		case record.TypeDate:
			in.Type = "date"
		case record.TypeTime:
			in.Type = "time"
		case record.TypeInt:
			in.Type = "number"
		case record.TypeBool:
			in.Type = "checkbox"
		case record.TypeEnum:
			in.Type = "select"
			for _, c := range fd.Choices {
				in.Options = append(in.Options, option{Value: c.Code, Label: c.Label.In(lang), Selected: c.Code == in.Value})
			}
		case record.TypeVillage:
			in.Type = "villagecode"
			if len(villages) > 0 {
				in.Type = "village"
				found := in.Value == ""
				for _, v := range villages {
					found = found || v.Code == in.Value
					in.Options = append(in.Options, option{Value: v.Code, Label: v.Name + " · " + v.District, Selected: v.Code == in.Value})
				}
				if !found { // a value from before the assignment changed stays visible
					in.Options = append(in.Options, option{Value: in.Value, Label: villageName(regions, in.Value), Selected: true})
				}
			} else if in.Value != "" {
				in.Readback = villageName(regions, in.Value)
			}
		default:
			in.Type = "text"
		}
		if in.Fix {
			f.FixLabels = append(f.FixLabels, in.Label)
		}
		if msg, ok := inputErrs[fd.Path]; ok {
			in.Errors = append(in.Errors, msg)
		}
		for _, p := range problems.ForField(fd.Path) {
			if p.Severity == record.SeverityWarning {
				in.Warnings = append(in.Warnings, p.Text(lang))
			} else {
				in.Errors = append(in.Errors, p.Text(lang))
			}
		}
		f.ErrorCount += len(in.Errors)
		cur.Inputs = append(cur.Inputs, in)
	}
	for _, p := range problems {
		if !known[p.Field] {
			f.Other = append(f.Other, p.Message(spec, lang))
			if p.Severity == record.SeverityError {
				f.ErrorCount++
			}
		}
	}
	return f
}

// readForm reads the posted fields of spec. A value that cannot even be
// kept as a draft (a word in a number field) is returned in raw with its
// reason in bad, so the form shows it back as typed; the rest are fields.
func readForm(spec *record.Spec, post url.Values, regions record.Regions, lang record.Lang) (fields record.Fields, raw, bad map[string]string) {
	fields, raw, bad = record.Fields{}, map[string]string{}, map[string]string{}
	for _, fd := range spec.Fields {
		typed := post.Get(fd.Path)
		if fd.Type == record.TypeBool {
			typed = strconv.FormatBool(typed != "")
		}
		v, err := spec.ParseValue(fd.Path, typed, regions)
		if err != nil {
			raw[fd.Path] = typed
			bad[fd.Path] = unreadable(fd, lang)
			continue
		}
		fields[fd.Path] = v
	}
	return fields, raw, bad
}

// unreadable says, in the officer's language, why a typed value could not
// be kept (record.InputError's reasons are in English for scripts).
func unreadable(fd record.Field, lang record.Lang) string {
	switch fd.Type {
	case record.TypeInt:
		return record.Text{ID: "Isi dengan angka bulat, misalnya 3.", EN: "Type a whole number, e.g. 3."}.In(lang)
	case record.TypeVillage:
		return record.Text{ID: "Kode desa tidak ada dalam daftar Kemendagri (bentuknya PP.RR.DD.VVVV).",
			EN: "This village code is not in the Kemendagri list (it looks like PP.RR.DD.VVVV)."}.In(lang)
	case record.TypeEnum:
		return record.Text{ID: "Pilih salah satu pilihan.", EN: "Pick one of the choices."}.In(lang)
	}
	return record.Text{ID: "Nilai ini tidak dapat dibaca.", EN: "This value cannot be read."}.In(lang)
}

func villageName(regions *wilayah.Tree, code string) string {
	if r, ok := regions.Lookup(code); ok {
		if p, ok := regions.Parent(code); ok {
			return r.Name + " · " + p.Name
		}
		return r.Name
	}
	return code
}

// assigned lists the villages the hub assigned, by name.
func assigned(regions *wilayah.Tree, codes []string) []village {
	var out []village
	for _, c := range codes {
		r, ok := regions.Lookup(c)
		if !ok {
			continue
		}
		v := village{Code: r.Code, Name: r.Name}
		if p, ok := regions.Parent(c); ok {
			v.District = p.Name
		}
		out = append(out, v)
	}
	return out
}
