package main

import (
	"fmt"
	"github.com/jemputbola/jemput/internal/cli"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
)

// problemOutput is a validation problem as scripts see it: the stable code
// and the message in the chosen language.
type problemOutput struct {
	Field    string          `json:"field,omitempty"`
	Code     string          `json:"code"`
	Severity record.Severity `json:"severity"`
	Message  string          `json:"message"`
}

func problemsOut(spec *record.Spec, ps record.Problems, lang record.Lang) []problemOutput {
	out := make([]problemOutput, len(ps))
	for i, p := range ps {
		out[i] = problemOutput{Field: p.Field, Code: p.Code, Severity: p.Severity, Message: p.Message(spec, lang)}
	}
	return out
}

func printProblems(s stdio, c common, spec *record.Spec, ps record.Problems, head string) {
	if c.json {
		writeJSON(s.Out, map[string]any{"problems": problemsOut(spec, ps, c.language())})
		return
	}
	fmt.Fprintln(s.Err, head)
	for _, p := range ps {
		mark := "✗"
		if p.Severity == record.SeverityWarning {
			mark = "!"
		}
		fmt.Fprintf(s.Err, "  %s %s  [%s]\n", mark, p.Message(spec, c.language()), p.Field)
	}
}

var writeJSON = cli.WriteJSON

// recordJSON is the contract of `show --json`; listJSON of `list --json`.
type recordJSON struct {
	ID           string           `json:"id"`
	Kind         record.Kind      `json:"kind"`
	Status       record.Status    `json:"status"`
	TrackingCode string           `json:"tracking_code"`
	VillageCode  string           `json:"village_code"`
	Fields       map[string]any   `json:"fields,omitempty"`
	Flags        []string         `json:"flags"`
	Decision     *record.Decision `json:"decision"`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
	Problems     []problemOutput  `json:"problems,omitempty"`
}

func summaryJSON(sm store.Summary) recordJSON {
	flags := sm.Flags
	if flags == nil {
		flags = []string{}
	}
	return recordJSON{ID: sm.ID, Kind: sm.Kind, Status: sm.Status, TrackingCode: grouped(sm.TrackingCode), VillageCode: sm.VillageCode,
		Flags: flags, Decision: sm.Decision, CreatedAt: sm.CreatedAt.UTC(), UpdatedAt: sm.UpdatedAt.UTC()}
}

func printRecord(s stdio, c common, a *agent.Agent, r *record.Record) error {
	spec, problems, err := a.Validate(r)
	if err != nil {
		return err
	}
	lang := c.language()
	if c.json {
		out := summaryJSON(store.Summary{ID: r.ID, Kind: r.Kind, Status: r.Status, TrackingCode: r.TrackingCode,
			VillageCode: r.VillageCode(), Flags: r.Flags, Decision: r.Decision, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
		out.Fields = spec.JSON(r.Fields)
		if editable := record.OfficerEditable(r.Status); editable {
			out.Problems = problemsOut(spec, problems, lang)
		}
		return writeJSON(s.Out, out)
	}
	w := s.Out
	fmt.Fprintf(w, "%s  %s  (%s)\n", spec.Label.In(lang), grouped(r.TrackingCode), r.Status.Label(lang))
	fmt.Fprintf(w, "  %-28s %s\n", "id", r.ID)
	fmt.Fprintf(w, "  %-28s %s\n", label(lang, "desa", "village"), villageLine(a.Regions(), r.VillageCode()))
	fmt.Fprintf(w, "  %-28s %s %s\n", label(lang, "dicatat", "recorded"), r.CreatedAt.Format("2006-01-02 15:04"), r.Officer)
	if r.Decision != nil {
		fmt.Fprintf(w, "  %-28s %s\n", label(lang, "keputusan hub", "hub decision"), r.Decision.Outcome.Label(lang))
		if r.Decision.RegistrationNumber != "" {
			fmt.Fprintf(w, "  %-28s %s\n", label(lang, "nomor registrasi", "registration number"), r.Decision.RegistrationNumber)
		}
		if r.Decision.Reason != "" {
			fmt.Fprintf(w, "  %-28s %s\n", label(lang, "alasan", "reason"), r.Decision.Reason)
		}
		if len(r.Decision.Fields) > 0 {
			fmt.Fprintf(w, "  %-28s %s\n", label(lang, "perbaiki", "fix"), strings.Join(r.Decision.Fields, ", "))
		}
	}
	fmt.Fprintln(w)
	if slices.Contains(r.Flags, store.FlagPurged) {
		fmt.Fprintln(w, label(lang, "  Data pribadi sudah dihapus dari laptop ini setelah disetujui hub.",
			"  Personal data was removed from this laptop after the hub approved the record."))
	}
	for _, f := range spec.Fields {
		v, ok := r.Fields[f.Path]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "  %-28s %s\n", f.Label.In(lang), displayValue(f, v, lang))
	}
	if len(problems) > 0 && record.OfficerEditable(r.Status) {
		fmt.Fprintln(w)
		fmt.Fprintln(w, label(lang, "Perlu diperbaiki sebelum diajukan:", "To fix before submitting:"))
		for _, p := range problems {
			fmt.Fprintf(w, "  - %s  [%s]\n", p.Message(spec, lang), p.Field)
		}
	}
	return nil
}

func villageLine(regions record.Regions, code string) string {
	if code == "" {
		return "-"
	}
	r, ok := regions.Lookup(code)
	if !ok {
		return code
	}
	return code + " " + r.Name
}

func label(lang record.Lang, id, en string) string {
	return record.Text{ID: id, EN: en}.In(lang)
}

// table prints aligned columns.
func table(w io.Writer, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			if n := len([]rune(c)); n > widths[i] {
				widths[i] = n
			}
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(c))+2))
		}
		fmt.Fprintln(w, b.String())
	}
}

// grouped writes a tracking code the way it is read aloud: XXXX-XXXX-XXXX.
func grouped(code string) string { return tracking.Code(code).String() }

// displayValue shows a code as its label (P -> Perempuan), a flag as ya/tidak.
func displayValue(f record.Field, v string, lang record.Lang) string {
	switch f.Type {
	case record.TypeEnum:
		for _, c := range f.Choices {
			if c.Code == v {
				return c.Label.In(lang)
			}
		}
	case record.TypeBool:
		if v == "true" {
			return label(lang, "ya", "yes")
		}
		return label(lang, "tidak", "no")
	}
	return v
}
