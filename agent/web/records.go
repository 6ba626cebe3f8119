package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/internal/webkit"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) env(r *http.Request) formEnv {
	sess := sessionOf(r)
	env := formEnv{regions: s.cfg.Regions, lang: record.ParseLang(webkit.Lang(r)), today: s.cfg.Now()}
	if h, err := sess.agent.Store().Hub(r.Context()); err == nil {
		env.villages = assigned(s.cfg.Regions, h.Villages)
	}
	return env
}

type formPage struct {
	pageData
	Form form
}

func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, status int, f form) {
	title := f.KindLabel
	if f.TrackingCode != "" {
		title += " " + f.TrackingCode
	}
	s.render(w, status, "form.html", formPage{pageData: s.base(r, title), Form: f})
}

// newForm is a blank form (or one filled from a worklist entry). It gets
// its record id now, so every later save of it updates the same draft.
func (s *Server) newForm(w http.ResponseWriter, r *http.Request) {
	spec, err := record.SpecFor(record.Kind(chi.URLParam(r, "kind")))
	if err != nil {
		s.refuse(w, r, http.StatusNotFound, "Jenis pencatatan tidak dikenal.", "Unknown kind of registration.")
		return
	}
	id, err := agent.NewID()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	env := s.env(r)
	values := record.Fields{}
	if len(env.villages) == 1 {
		values["village_code"] = env.villages[0].Code
	}
	var from string
	if wl := r.URL.Query().Get("from"); wl != "" {
		e, err := sessionOf(r).agent.Store().WorklistEntry(r.Context(), wl)
		if err != nil || e.Kind != spec.Kind {
			s.refuse(w, r, http.StatusNotFound, "Entri daftar kerja tidak ditemukan (mungkin sudah selesai).", "Worklist entry not found (it may be done already).")
			return
		}
		for k, v := range e.Fields {
			if _, ok := spec.Field(k); ok {
				values[k] = v
			}
		}
		from = wl
	}
	f := buildForm(env, spec, values, nil, nil, nil, nil)
	f.ID, f.New, f.Status, f.FromWorklist = id, true, record.StatusDraft, from
	s.renderForm(w, r, http.StatusOK, f)
}

// save keeps what the officer typed, always: a new record becomes a draft
// under the form's id, an existing one takes the changes. Then, by the
// button pressed: "autosave" (the script) answers in JSON, "save" shows
// the draft again, "submit" checks it and marks it ready for the hub, or
// shows every problem next to its field with the values as typed.
func (s *Server) save(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := sessionOf(r).agent
	env := s.env(r)
	lang := env.lang
	spec, err := record.SpecFor(record.Kind(r.PostFormValue("kind")))
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, "Jenis pencatatan tidak dikenal.", "Unknown kind of registration.")
		return
	}
	id, action, confirm := r.PostFormValue("id"), r.PostFormValue("action"), r.PostFormValue("confirm") != ""
	fields, raw, bad := readForm(spec, r.PostForm, s.cfg.Regions, lang)
	rec, err := a.Store().Get(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		for k, v := range fields {
			if v == "" {
				delete(fields, k)
			}
		}
		// Only a live entry of this kind is linked; with a stale one (done
		// since the form opened) the record is saved all the same.
		entry := r.PostFormValue("from")
		if entry != "" {
			if e, werr := a.Store().WorklistEntry(ctx, entry); werr != nil || e.Kind != spec.Kind {
				entry = ""
			}
		}
		rec, err = a.CaptureFromWorklist(ctx, id, entry, spec.Kind, fields)
		if err != nil && !errors.Is(err, store.ErrExists) {
			s.refuse(w, r, http.StatusBadRequest, "Formulir ini tidak dapat disimpan: muat ulang halaman.", "This form cannot be saved: reload the page.")
			return
		}
	case err != nil:
		s.fail(w, r, err)
		return
	case rec.Kind != spec.Kind:
		s.refuse(w, r, http.StatusBadRequest, "Formulir ini milik rekaman lain.", "This form belongs to another record.")
		return
	default:
		rec, err = a.Edit(ctx, id, fields, confirm)
	}
	var verr *agent.ValidationError
	switch {
	case errors.As(err, &verr):
		// A submitted record only takes valid changes: show why, keep
		// everything typed.
		s.showProblems(w, r, env, spec, rec, fields, raw, bad, verr.Problems, verr.NeedsConfirmation, action == "autosave")
		return
	case errors.Is(err, agent.ErrNotEditable):
		s.refuse(w, r, http.StatusConflict, "Rekaman ini tidak dapat diubah lagi (sudah di hub atau sudah diputuskan).",
			"This record can no longer be changed (it is at the hub or decided).")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if action == "autosave" {
		writeJSON(w, http.StatusOK, map[string]any{"saved": true, "id": rec.ID, "at": s.cfg.Now().Format("15:04:05"), "unreadable": len(bad)})
		return
	}
	if len(bad) > 0 {
		// Not sendable with a value that cannot be read; say what else
		// stands in the way too, so the officer fixes everything at once.
		var problems record.Problems
		if action == "submit" {
			_, problems, _ = a.Validate(rec)
		}
		s.showProblems(w, r, env, spec, rec, fields, raw, bad, problems, false, false)
		return
	}
	if action != "submit" {
		webkit.Flash(w, "ok", webkit.Pick(string(lang), "Draf disimpan.", "Draft saved."))
		http.Redirect(w, r, "/records/"+rec.ID+"/edit", http.StatusSeeOther)
		return
	}
	sub, _, err := a.Submit(ctx, rec.ID, confirm)
	if errors.As(err, &verr) {
		_, all, _ := a.Validate(rec)
		s.showProblems(w, r, env, spec, rec, fields, raw, bad, all, verr.NeedsConfirmation, false)
		return
	}
	if errors.Is(err, agent.ErrNotEditable) {
		s.refuse(w, r, http.StatusConflict, "Rekaman ini tidak dapat dikirim lagi.", "This record cannot be submitted again.")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	webkit.Flash(w, "ok", webkit.Pick(string(lang), "Tersimpan dan siap dikirim ke hub. Cetak tanda terima untuk warga.",
		"Saved and ready for the hub. Print the receipt for the resident."))
	http.Redirect(w, r, "/records/"+sub.ID, http.StatusSeeOther)
}

// showProblems draws the form again with the values as typed and each
// problem beside its field (422: the browser must not cache it as a page).
func (s *Server) showProblems(w http.ResponseWriter, r *http.Request, env formEnv, spec *record.Spec, rec *record.Record,
	fields record.Fields, raw, bad map[string]string, problems record.Problems, needsConfirm, asJSON bool) {
	if asJSON {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"saved": false})
		return
	}
	values := rec.Fields.Clone()
	for k, v := range fields {
		values[k] = v
	}
	f := buildForm(env, spec, values, raw, problems, bad, fixFields(rec))
	f.ID, f.Status, f.TrackingCode, f.Correction = rec.ID, rec.Status, tracking.Code(rec.TrackingCode).String(), correction(rec)
	f.NeedsConfirm = needsConfirm && f.ErrorCount == 0
	s.renderForm(w, r, http.StatusUnprocessableEntity, f)
}

func correction(rec *record.Record) *record.Decision {
	if rec.Status == record.StatusNeedsCorrection && rec.Decision != nil {
		return rec.Decision
	}
	return nil
}

func fixFields(rec *record.Record) []string {
	if d := correction(rec); d != nil {
		return d.Fields
	}
	return nil
}

// loadRecord finds the record named in the URL, or answers 404.
func (s *Server) loadRecord(w http.ResponseWriter, r *http.Request) (*record.Record, bool) {
	rec, err := sessionOf(r).agent.Store().Get(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) {
		s.refuse(w, r, http.StatusNotFound, "Rekaman tidak ditemukan.", "Record not found.")
		return nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return rec, true
}

func (s *Server) editForm(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.loadRecord(w, r)
	if !ok {
		return
	}
	if !record.OfficerEditable(rec.Status) && rec.Status != record.StatusSubmitted {
		http.Redirect(w, r, "/records/"+rec.ID, http.StatusSeeOther)
		return
	}
	spec, _, _ := sessionOf(r).agent.Validate(rec)
	var problems record.Problems
	if rec.Status != record.StatusDraft || r.URL.Query().Get("check") != "" {
		_, problems, _ = sessionOf(r).agent.Validate(rec)
	}
	f := buildForm(s.env(r), spec, rec.Fields, nil, problems, nil, fixFields(rec))
	f.ID, f.Status, f.TrackingCode, f.Correction = rec.ID, rec.Status, tracking.Code(rec.TrackingCode).String(), correction(rec)
	s.renderForm(w, r, http.StatusOK, f)
}

// shownField is one field on the record page.
type shownField struct {
	Group, Label, Value string
	Fix                 bool
}

// shownFix is one operator's change on the record page, fields by label.
type shownFix struct {
	At, By           string
	Fields, Resolved []string
}

type recordPage struct {
	pageData
	HubFixes []shownFix
	Record   *record.Record
	Code     string
	KindName string
	Village  string
	Fields   []shownField
	Problems []string
	Editable bool
	Purged   bool
}

func (s *Server) show(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.loadRecord(w, r)
	if !ok {
		return
	}
	lang := record.ParseLang(webkit.Lang(r))
	spec, problems, _ := sessionOf(r).agent.Validate(rec)
	fix := map[string]bool{}
	for _, p := range fixFields(rec) {
		fix[p] = true
	}
	d := recordPage{pageData: s.base(r, spec.Label.In(lang)), Record: rec, Code: tracking.Code(rec.TrackingCode).String(),
		KindName: spec.Label.In(lang), Village: villageName(s.cfg.Regions, rec.VillageCode()),
		Editable: record.OfficerEditable(rec.Status) || rec.Status == record.StatusSubmitted, Purged: slices.Contains(rec.Flags, store.FlagPurged)}
	for _, fd := range spec.Fields {
		v, ok := rec.Fields[fd.Path]
		if !ok && !fix[fd.Path] {
			continue
		}
		v = shownValue(&fd, v, lang)
		if fd.Type == record.TypeVillage {
			v = villageName(s.cfg.Regions, rec.Fields[fd.Path])
		}
		d.Fields = append(d.Fields, shownField{Group: fd.Group.In(lang), Label: fd.Label.In(lang), Value: v, Fix: fix[fd.Path]})
	}
	fixes, err := sessionOf(r).agent.Store().HubFixes(r.Context(), rec.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	labels := func(paths []string) []string {
		out := make([]string, 0, len(paths))
		for _, p := range paths {
			if fd, ok := spec.Field(p); ok {
				out = append(out, fieldLabel(fd, lang))
			}
		}
		return out
	}
	for _, f := range fixes {
		d.HubFixes = append(d.HubFixes, shownFix{At: dateWords(f.At, lang), By: f.By, Fields: labels(f.Fields), Resolved: labels(f.Resolved)})
	}
	if rec.Status == record.StatusDraft || rec.Status == record.StatusNeedsCorrection {
		for _, p := range problems.Errors() {
			d.Problems = append(d.Problems, p.Message(spec, lang))
		}
	}
	s.render(w, http.StatusOK, "record.html", d)
}

// shownValue is a stored value as the officer reads it: choices by their
// label, yes/no for booleans.
func shownValue(fd *record.Field, v string, lang record.Lang) string {
	switch fd.Type {
	case record.TypeEnum:
		for _, c := range fd.Choices {
			if c.Code == v {
				return c.Label.In(lang)
			}
		}
	case record.TypeBool:
		if v == "true" {
			return record.Text{ID: "ya", EN: "yes"}.In(lang)
		}
		return record.Text{ID: "tidak", EN: "no"}.In(lang)
	}
	return v
}

type listPage struct {
	pageData
	Rows                  []store.Summary
	Status, Kind, Village string
	Query                 string
	Statuses              []record.Status
	Kinds                 []*record.Spec
	Villages              []village
	Next, Prev            string
	Searched              bool
}

const listPageSize = 100

// list shows my records, newest change first, filtered by status, kind
// and village; 100 a page.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	st := sessionOf(r).agent.Store()
	d := s.listBase(r)
	d.Status, d.Kind, d.Village = q.Get("status"), q.Get("kind"), q.Get("village")
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 0)
	rows, err := st.List(r.Context(), store.Filter{Status: record.Status(d.Status), Kind: record.Kind(d.Kind), Village: d.Village,
		Limit: listPageSize + 1, Offset: page * listPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	link := func(p int) string {
		v := map[string][]string{"page": {strconv.Itoa(p)}}
		for k, val := range map[string]string{"status": d.Status, "kind": d.Kind, "village": d.Village} {
			if val != "" {
				v[k] = []string{val}
			}
		}
		return "/records?" + url.Values(v).Encode()
	}
	if len(rows) > listPageSize {
		rows = rows[:listPageSize]
		d.Next = link(page + 1)
	}
	if page > 0 {
		d.Prev = link(page - 1)
	}
	d.Rows = rows
	s.render(w, http.StatusOK, "list.html", d)
}

func (s *Server) listBase(r *http.Request) listPage {
	d := listPage{pageData: s.base(r, webkit.Pick(webkit.Lang(r), "Rekaman saya", "My records")), Kinds: record.Specs(), Villages: s.env(r).villages,
		Statuses: []record.Status{record.StatusDraft, record.StatusSubmitted, record.StatusReceived, record.StatusNeedsCorrection,
			record.StatusApproved, record.StatusRejected, record.StatusWithdrawn}}
	return d
}

// search finds records by NIK (through the blind index: no record is
// opened to look) or by a part of the name. It is a POST so that the NIK
// or name typed never sits in a URL, the browser history or a log.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	st := sessionOf(r).agent.Store()
	d := s.listBase(r)
	d.Query, d.Searched = strings.TrimSpace(r.PostFormValue("q")), true
	var rows []store.Summary
	var err error
	switch {
	case d.Query == "":
		http.Redirect(w, r, "/records", http.StatusSeeOther)
		return
	case isDigits(d.Query) && len(d.Query) == 16:
		rows, err = st.FindNIK(r.Context(), d.Query)
	default:
		var all []store.Summary
		all, err = st.List(r.Context(), store.Filter{})
		want := fold(d.Query)
		for _, sm := range all {
			if strings.Contains(fold(sm.Name), want) || strings.EqualFold(strings.ReplaceAll(sm.TrackingCode, "-", ""), strings.ReplaceAll(d.Query, "-", "")) {
				rows = append(rows, sm)
				if len(rows) == listPageSize {
					break
				}
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Rows = rows
	s.render(w, http.StatusOK, "list.html", d)
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// fieldLabel names a field as the officer reads it, with its group when
// it has one ("Ibu: Nama"), since several groups share a label.
func fieldLabel(fd *record.Field, lang record.Lang) string {
	if g := fd.Group.In(lang); g != "" {
		return g + ": " + fd.Label.In(lang)
	}
	return fd.Label.In(lang)
}
