package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/webkit"
)

func itoa(n int) string { return strconv.Itoa(n) }

type worklistVillage struct {
	village
	EKTP, Birth int
}

type worklistRow struct {
	ID, Kind, Name, Sex, Born, Age string
	// Started is the record already begun from this entry, if any: the
	// row links to it instead of inviting a second capture.
	Started *startedRecord
}

type startedRecord struct {
	ID, TrackingCode, Status, StatusLabel string
	// Draft: the officer can go on with it. Closed: it ended without a
	// registration (withdrawn, or rejected by the hub), so the resident
	// may be started again.
	Draft, Closed bool
}

type worklistPage struct {
	pageData
	Villages []worklistVillage
	Village  *worklistVillage
	Rows     []worklistRow
}

// worklist shows, per assigned village, the residents the hub's roster
// says still need a KTP-el or a birth certificate; each starts a form
// filled from the roster.
func (s *Server) worklist(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := sessionOf(r).agent.Store()
	env := s.env(r)
	counts, err := st.WorklistCounts(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := worklistPage{pageData: s.base(r, webkit.Pick(string(env.lang), "Daftar kerja", "Worklist"))}
	seen := map[string]bool{}
	add := func(v village) {
		seen[v.Code] = true
		d.Villages = append(d.Villages, worklistVillage{village: v, EKTP: counts[v.Code][record.KindEKTP], Birth: counts[v.Code][record.KindBirth]})
	}
	for _, v := range env.villages {
		add(v)
	}
	var extra []string
	for code := range counts {
		if !seen[code] {
			extra = append(extra, code)
		}
	}
	slices.Sort(extra)
	for _, v := range assigned(s.cfg.Regions, extra) {
		add(v)
	}
	want := r.URL.Query().Get("village")
	for i := range d.Villages {
		if d.Villages[i].Code == want {
			d.Village = &d.Villages[i]
		}
	}
	if d.Village != nil {
		entries, err := st.Worklist(ctx, want)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		started, err := st.WorklistStarted(ctx, want)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, e := range entries {
			row := worklistRowOf(e, env.lang, s.cfg.Now())
			if sm, ok := started[e.ID]; ok {
				row.Started = &startedRecord{ID: sm.ID, TrackingCode: sm.TrackingCode, Status: string(sm.Status),
					StatusLabel: sm.Status.Label(env.lang), Draft: sm.Status == record.StatusDraft || sm.Status == record.StatusNeedsCorrection,
					Closed: sm.Status == record.StatusWithdrawn || sm.Status == record.StatusRejected}
			}
			d.Rows = append(d.Rows, row)
		}
	}
	s.render(w, http.StatusOK, "worklist.html", d)
}

func worklistRowOf(e store.WorklistEntry, lang record.Lang, now time.Time) worklistRow {
	spec, _ := record.SpecFor(e.Kind)
	row := worklistRow{ID: e.ID, Kind: string(e.Kind), Name: spec.Name(e.Fields)}
	if fd, ok := spec.Field("sex"); ok {
		row.Sex = shownValue(fd, e.Fields["sex"], lang)
	}
	if b, err := time.Parse(time.DateOnly, e.Fields["birth_date"]); err == nil {
		row.Born = dateWords(b, lang)
		years := now.Year() - b.Year()
		if now.Month() < b.Month() || now.Month() == b.Month() && now.Day() < b.Day() {
			years--
		}
		row.Age = strconv.Itoa(years)
	}
	return row
}
