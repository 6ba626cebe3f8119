package web

import (
	"net/http"
	"time"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/nik"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/internal/webkit"
)

type homePage struct {
	pageData
	Info       store.Info
	Kinds      []*record.Spec
	Fix        []store.Summary
	Drafts     []store.Summary
	Enrolled   bool
	LastSync   string
	Worklist   int
	Statuses   []statusCount
	SyncActive bool
}

type statusCount struct {
	Status record.Status
	N      int
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := sessionOf(r).agent.Store()
	in, err := st.Brief(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := homePage{pageData: s.base(r, webkit.Pick(webkit.Lang(r), "Beranda", "Home")), Info: in, Kinds: record.Specs()}
	if d.Fix, err = st.List(ctx, store.Filter{Status: record.StatusNeedsCorrection, Limit: 20}); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Drafts, err = st.List(ctx, store.Filter{Status: record.StatusDraft, Limit: 20}); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, status := range []record.Status{record.StatusDraft, record.StatusSubmitted, record.StatusReceived, record.StatusNeedsCorrection,
		record.StatusApproved, record.StatusRejected} {
		if n := in.ByStatus[status]; n > 0 {
			d.Statuses = append(d.Statuses, statusCount{status, n})
		}
	}
	_, err = st.Hub(ctx)
	d.Enrolled = err == nil
	if !in.LastSync.IsZero() {
		d.LastSync = ago(s.cfg.Now(), in.LastSync, record.ParseLang(d.Lang))
	}
	if counts, err := st.WorklistCounts(ctx); err == nil {
		for _, byKind := range counts {
			for _, n := range byKind {
				d.Worklist += n
			}
		}
	}
	d.SyncActive = s.sync.snapshot().Running
	s.render(w, http.StatusOK, "home.html", d)
}

// ago says how long ago t was, in words.
func ago(now, t time.Time, lang record.Lang) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return record.Text{ID: "baru saja", EN: "just now"}.In(lang)
	case d < time.Hour:
		return itoa(int(d.Minutes())) + record.Text{ID: " menit lalu", EN: " minutes ago"}.In(lang)
	case d < 48*time.Hour:
		return itoa(int(d.Hours())) + record.Text{ID: " jam lalu", EN: " hours ago"}.In(lang)
	}
	return itoa(int(d.Hours()/24)) + record.Text{ID: " hari lalu", EN: " days ago"}.In(lang)
}

type receiptPage struct {
	pageData
	ID, Code, Kind, Date, Officer, Village, Name, MaskedNIK string
	HubURL                                                  string
}

// receipt is the slip the resident keeps: the tracking code to read
// aloud, what was registered, when, by whom and where, and how to ask
// about it. The NIK appears masked only; no other personal field.
func (s *Server) receipt(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.loadRecord(w, r)
	if !ok {
		return
	}
	lang := record.ParseLang(webkit.Lang(r))
	spec, _ := record.SpecFor(rec.Kind)
	d := receiptPage{pageData: s.base(r, webkit.Pick(string(lang), "Tanda terima", "Receipt")), ID: rec.ID, Code: tracking.Code(rec.TrackingCode).String(),
		Kind: spec.Label.In(lang), Date: dateWords(rec.CreatedAt, lang), Officer: rec.Officer, Village: villageName(s.cfg.Regions, rec.VillageCode()),
		Name: spec.Name(rec.Fields)}
	for _, fd := range spec.Fields {
		if fd.Type == record.TypeNIK && fd.Group.ID == "" && rec.Fields[fd.Path] != "" {
			d.MaskedNIK = nik.Masked(rec.Fields[fd.Path])
		}
	}
	if h, err := sessionOf(r).agent.Store().Hub(r.Context()); err == nil {
		d.HubURL = h.URL + "/cek"
	}
	s.render(w, http.StatusOK, "receipt.html", d)
}
