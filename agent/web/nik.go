package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/jemputbola/jemput/internal/nik"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/wilayah"
)

var months = [2][12]string{
	{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"},
	{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// dateWords writes t as "12 Maret 1985".
func dateWords(t time.Time, lang record.Lang) string {
	i := 0
	if lang == record.EN {
		i = 1
	}
	return fmt.Sprintf("%d %s %d", t.Day(), months[i][t.Month()-1], t.Year())
}

// nikWords reads a NIK back to the officer in words: the birth date, the
// sex and the district it was first registered in, so a transposed digit
// shows as a wrong date or place before the resident leaves. "" for an
// empty value; the validation's own message for one that is not a NIK.
func nikWords(digits string, regions *wilayah.Tree, lang record.Lang, today time.Time) string {
	if digits == "" {
		return ""
	}
	n, err := nik.Parse(digits)
	if err != nil {
		return ""
	}
	sex := record.Text{ID: "laki-laki", EN: "male"}
	if n.Female {
		sex = record.Text{ID: "perempuan", EN: "female"}
	}
	place := record.Text{ID: "wilayah " + n.DistrictCode() + " tidak dikenal", EN: "unknown district " + n.DistrictCode()}.In(lang)
	if r, ok := regions.Lookup(n.DistrictCode()); ok {
		place = r.Name
		if p, ok := regions.Parent(r.Code); ok {
			place += ", " + p.Name
		}
	}
	born := record.Text{ID: "Lahir ", EN: "Born "}.In(lang)
	return born + dateWords(n.BirthDate(today), lang) + " · " + sex.In(lang) + " · " + place
}

// nikReadback answers the form's script as the officer types a NIK: the
// words, or the validation's message. POST, so the NIK is in no URL.
func (s *Server) nikReadback(w http.ResponseWriter, r *http.Request) {
	lang := record.ParseLang(s.base(r, "").Lang)
	v := r.PostFormValue("value")
	out := map[string]string{"text": nikWords(v, s.cfg.Regions, lang, s.cfg.Now())}
	if out["text"] == "" && v != "" {
		spec, _ := record.SpecFor(record.KindEKTP)
		for _, p := range spec.Validate(record.Fields{"nik": v}, record.Env{Regions: s.cfg.Regions, Today: s.cfg.Now()}).ForField("nik") {
			out["error"] = p.Text(lang)
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
}
