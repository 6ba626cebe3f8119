package web

import (
	"fmt"
	"html/template"
	"time"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/internal/webkit"
	"github.com/jemputbola/jemput/internal/wilayah"
)

func parseTemplates(regions *wilayah.Tree) (*template.Template, error) {
	t, err := template.New("").Funcs(template.FuncMap{
		"t":      webkit.Pick,
		"code":   func(s string) string { return tracking.Code(s).String() },
		"status": func(lang string, st record.Status) string { return st.Label(record.ParseLang(lang)) },
		"kind": func(lang string, k record.Kind) string {
			if spec, err := record.SpecFor(k); err == nil {
				return spec.Label.In(record.ParseLang(lang))
			}
			return string(k)
		},
		"village": func(code string) string { return villageName(regions, code) },
		"day":     func(lang string, t time.Time) string { return dateWords(t, record.ParseLang(lang)) },
		"clock":   func(t time.Time) string { return t.Format("15:04") },
		"field": func(lang string, k record.Kind, path string) string {
			if spec, err := record.SpecFor(k); err == nil {
				if f, ok := spec.Field(path); ok {
					return f.Label.In(record.ParseLang(lang))
				}
			}
			return path
		},
		"size": func(n int64) string {
			switch {
			case n >= 1<<20:
				return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
			case n >= 1<<10:
				return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
			}
			return fmt.Sprintf("%d B", n)
		},
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("agent web templates: %w", err)
	}
	return t, nil
}
