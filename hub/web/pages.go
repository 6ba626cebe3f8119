package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/webkit"
	"github.com/jemputbola/jemput/syncproto"
)

type queueData struct {
	pageData
	Filter     filterForm
	Records    []hub.Summary
	Statuses   []record.Status
	Kinds      []record.Kind
	Flags      []string
	Prev, Next string
}

type filterForm struct{ Status, Kind, Flag, Region string }

func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	u := sessionOf(r).user
	q := r.URL.Query()
	ff := filterForm{Status: q.Get("status"), Kind: q.Get("kind"), Flag: q.Get("flag"), Region: strings.TrimSpace(q.Get("region"))}
	f := hub.Filter{Status: record.Status(ff.Status), Kind: record.Kind(ff.Kind), Flag: ff.Flag, Limit: pageSize + 1}
	d := queueData{pageData: s.base(r, webkit.Pick(webkit.Lang(r), "Antrean tinjauan", "Review queue")), Filter: ff,
		Statuses: record.Statuses, Kinds: []record.Kind{record.KindEKTP, record.KindBirth, record.KindDeath},
		Flags: []string{hub.FlagConflict, hub.FlagDuplicate, hub.FlagRefused}}
	// The user's region bounds every query; a narrower one may be asked.
	f.Region = u.Region
	if ff.Region != "" {
		if !u.Sees(ff.Region) {
			d.Error = webkit.Pick(d.Lang, "Wilayah itu di luar wilayah Anda.", "That region is outside yours.")
			s.page(w, r, http.StatusForbidden, "queue.html", d)
			return
		}
		f.Region = ff.Region
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 0)
	f.Offset = page * pageSize
	rs, err := s.hub.Records(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(rs) > pageSize {
		rs = rs[:pageSize]
		q.Set("page", strconv.Itoa(page+1))
		d.Next = "/queue?" + q.Encode()
	}
	if page > 0 {
		q.Set("page", strconv.Itoa(page-1))
		d.Prev = "/queue?" + q.Encode()
	}
	d.Records = rs
	s.page(w, r, http.StatusOK, "queue.html", d)
}

type fieldRow struct{ Label, Value string }

type conflictView struct {
	Field  string
	Values []valueView
}

type valueView struct{ Value, Who, When string }

type dupView struct {
	Status string
	Other  hub.Record
}

type historyRow struct{ When, Action, By, HLC, Fields string }

type recordData struct {
	pageData
	Rec        hub.Record
	Fields     []fieldRow
	Conflicts  []conflictView
	Duplicates []dupView
	History    []historyRow
	CanDecide  bool
}

// record loads the record of the URL, or answers 404 when it does not
// exist or lies outside the user's region (the same answer: a supervisor
// editing the URL learns nothing).
func (s *Server) record(w http.ResponseWriter, r *http.Request) (hub.Record, bool) {
	u := sessionOf(r).user
	rec, err := s.hub.Find(r.Context(), chi.URLParam(r, "id"))
	if err == nil && !u.Sees(rec.State.Values().VillageCode()) {
		err = hub.ErrNotFound
	}
	if errors.Is(err, hub.ErrNotFound) {
		s.refuse(w, r, http.StatusNotFound, "Catatan tidak ditemukan.", "Record not found.")
		return rec, false
	}
	if err != nil {
		s.fail(w, r, err)
		return rec, false
	}
	return rec, true
}

func (s *Server) recordPage(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.record(w, r)
	if !ok {
		return
	}
	u := sessionOf(r).user
	st := rec.State
	d := recordData{pageData: s.base(r, rec.Name), Rec: rec, CanDecide: u.Can("decide")}
	spec, err := record.SpecFor(st.Kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vals := st.Values()
	l := record.ParseLang(d.Lang)
	for _, f := range spec.Fields {
		if v, ok := vals[f.Path]; ok {
			d.Fields = append(d.Fields, fieldRow{Label: f.Label.In(l), Value: v})
		}
	}
	who := func(dev string) string {
		switch dev {
		case st.DeviceID:
			return st.Officer + webkit.Pick(d.Lang, " (laptop)", " (laptop)")
		case syncproto.HubSender:
			return webkit.Pick(d.Lang, "operator hub", "hub operator")
		}
		return dev
	}
	for _, p := range st.Conflicts() {
		f := st.Fields[p]
		cv := conflictView{Field: p}
		for _, wr := range append([]merge.Write{f.Write}, f.Conflict...) {
			cv.Values = append(cv.Values, valueView{Value: wr.Value, Who: who(wr.Device), When: wr.HLC.Time().Local().Format("2006-01-02 15:04")})
		}
		d.Conflicts = append(d.Conflicts, cv)
	}
	ops, dups, err := s.hub.History(r.Context(), st.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, dp := range dups {
		other := dp.A
		if other == st.ID {
			other = dp.B
		}
		o, err := s.hub.Find(r.Context(), other)
		if err != nil || !u.Sees(o.State.Values().VillageCode()) {
			continue
		}
		d.Duplicates = append(d.Duplicates, dupView{Status: dp.Status, Other: o})
	}
	for _, op := range ops {
		by := who(op.DeviceID)
		if op.DeviceID == syncproto.HubSender && op.Meta["by"] != "" {
			by = op.Meta["by"]
		}
		paths := make([]string, 0, len(op.Fields))
		for p := range op.Fields {
			paths = append(paths, p)
		}
		d.History = append(d.History, historyRow{When: op.HLC.Time().Local().Format("2006-01-02 15:04:05"), Action: string(op.Action),
			By: by, HLC: op.HLC.String(), Fields: strings.Join(paths, ", ")})
	}
	s.page(w, r, http.StatusOK, "record.html", d)
}

// back redirects to the record page with a message ("ok" or "err").
func back(w http.ResponseWriter, r *http.Request, id, kind, msg string) {
	webkit.Flash(w, kind, msg)
	http.Redirect(w, r, "/records/"+url.PathEscape(id), http.StatusSeeOther)
}

func (s *Server) mayDecide(w http.ResponseWriter, r *http.Request) (hub.Record, bool) {
	if !sessionOf(r).user.Can("decide") {
		s.refuse(w, r, http.StatusForbidden, "Peran Anda tidak boleh mengubah catatan.", "Your role may not change records.")
		return hub.Record{}, false
	}
	return s.record(w, r)
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.mayDecide(w, r)
	if !ok {
		return
	}
	l := webkit.Lang(r)
	outcome := record.Status(r.PostFormValue("outcome"))
	var fields []string
	for _, f := range strings.Split(r.PostFormValue("fields"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			fields = append(fields, f)
		}
	}
	u := sessionOf(r).user
	got, err := s.hub.Decide(r.Context(), rec.State.ID, outcome, r.PostFormValue("reason"), fields, u.Name)
	switch {
	case errors.Is(err, hub.ErrReasonRequired):
		back(w, r, rec.State.ID, "err", webkit.Pick(l, "Tuliskan alasannya: petugas perlu tahu apa yang harus dilakukan.", "Give a reason: the officer needs to know what to do."))
	case errors.Is(err, hub.ErrNotDecidable), errors.Is(err, record.ErrInput):
		back(w, r, rec.State.ID, "err", err.Error())
	case err != nil:
		s.fail(w, r, err)
	default:
		msg := fmt.Sprintf("%s: %s", webkit.Pick(l, "Keputusan disimpan", "Decision saved"), got.State.Status)
		if n := got.State.Decision.RegistrationNumber; n != "" {
			msg += ", " + n
		}
		back(w, r, rec.State.ID, "ok", msg)
	}
}

func (s *Server) resolve(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.mayDecide(w, r)
	if !ok {
		return
	}
	field, value := r.PostFormValue("field"), r.PostFormValue("value")
	// A resolution picks one of the values in conflict, nothing else: a
	// free edit here could move a record out of every region.
	f, inConflict := rec.State.Fields[field]
	ok = inConflict && len(f.Conflict) > 0 && f.Value == value
	for _, c := range f.Conflict {
		ok = ok || c.Value == value
	}
	if !ok {
		back(w, r, rec.State.ID, "err", webkit.Pick(webkit.Lang(r), "Bukan salah satu nilai yang berkonflik.", "Not one of the conflicting values."))
		return
	}
	_, err := s.hub.Edit(r.Context(), rec.State.ID, record.Fields{field: value}, sessionOf(r).user.Name)
	switch {
	case errors.Is(err, hub.ErrNotDecidable), errors.Is(err, record.ErrInput):
		back(w, r, rec.State.ID, "err", err.Error())
	case err != nil:
		s.fail(w, r, err)
	default:
		back(w, r, rec.State.ID, "ok", webkit.Pick(webkit.Lang(r), "Konflik diselesaikan: ", "Conflict resolved: ")+field)
	}
}

func (s *Server) duplicate(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.mayDecide(w, r)
	if !ok {
		return
	}
	other, err := s.hub.Find(r.Context(), r.PostFormValue("other"))
	if err != nil || other.State.ID == rec.State.ID || !sessionOf(r).user.Sees(other.State.Values().VillageCode()) {
		back(w, r, rec.State.ID, "err", webkit.Pick(webkit.Lang(r), "Catatan pasangan tidak ditemukan.", "The other record was not found."))
		return
	}
	same := r.PostFormValue("judge") == "same"
	if err := s.hub.JudgeDuplicate(r.Context(), rec.State.ID, other.State.ID, same, sessionOf(r).user.Name); err != nil {
		back(w, r, rec.State.ID, "err", err.Error())
		return
	}
	back(w, r, rec.State.ID, "ok", webkit.Pick(webkit.Lang(r), "Penilaian duplikat disimpan.", "Duplicate judgement saved."))
}
