package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/nik"
	"github.com/jemputbola/jemput/internal/record"
)

func cmdList(ctx context.Context, s stdio, args []string) error {
	var c common
	var status, kind, nikQuery string
	var limit int
	fs := newFlags(s, "list", "", "Lists records, most recently changed first.", &c, true)
	fs.StringVar(&status, "status", "", "only this status: draft, submitted, received, approved, rejected, needs_correction, withdrawn")
	fs.StringVar(&kind, "kind", "", "only this kind: ektp, birth, death")
	fs.StringVar(&nikQuery, "nik", "", "only records on which this NIK appears (any NIK field)")
	fs.IntVar(&limit, "limit", 0, "at most this many (0: all)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("list takes no arguments, got %q", pos[0])
	}
	if limit < 0 {
		return usageErr("--limit %d: use 0 for all, or a positive number", limit)
	}
	f := store.Filter{Limit: limit}
	if status != "" {
		if f.Status, err = record.ParseStatus(status); err != nil {
			return usageErr("%v", err)
		}
	}
	if kind != "" {
		if _, err := record.SpecFor(record.Kind(kind)); err != nil {
			return usageErr("%v", err)
		}
		f.Kind = record.Kind(kind)
	}
	if nikQuery != "" {
		// Any 16 digits: a draft may hold a mistyped NIK the officer wants
		// to find precisely in order to fix it.
		if _, err := nik.ParseKK(nikQuery); err != nil {
			return usageErr("--nik: %v", err)
		}
	}
	sess, err := open(ctx, s, c.data)
	if err != nil {
		return err
	}
	defer sess.Close()
	var list []store.Summary
	if nikQuery != "" {
		list, err = sess.store.FindNIK(ctx, nikQuery)
		list = filterSummaries(list, f)
	} else {
		list, err = sess.store.List(ctx, f)
	}
	if err != nil {
		return err
	}
	if c.json {
		out := make([]recordJSON, len(list))
		for i, sm := range list {
			out[i] = summaryJSON(sm)
		}
		return writeJSON(s.Out, out)
	}
	lang := c.language()
	if len(list) == 0 {
		fmt.Fprintln(s.Out, label(lang, "Tidak ada catatan.", "No records."))
		return nil
	}
	rows := [][]string{{label(lang, "KODE", "CODE"), label(lang, "JENIS", "KIND"), "STATUS", label(lang, "DESA", "VILLAGE"), label(lang, "DIUBAH", "CHANGED"), label(lang, "NAMA", "NAME")}}
	for _, sm := range list {
		name := sm.Name
		if sm.Field != "" && sm.Field != "nik" && sm.Field != "deceased_nik" {
			name += " (" + sm.Field + ")"
		}
		rows = append(rows, []string{grouped(sm.TrackingCode), string(sm.Kind), sm.Status.Label(lang), sm.VillageCode, sm.UpdatedAt.Format("2006-01-02 15:04"), name})
	}
	table(s.Out, rows)
	return nil
}

func cmdShow(ctx context.Context, s stdio, args []string) error {
	var c common
	fs := newFlags(s, "show", "ID", "Shows one record (by id or tracking code) with every field and what must be fixed.", &c, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("show needs exactly one record ID or tracking code")
	}
	sess, err := open(ctx, s, c.data)
	if err != nil {
		return err
	}
	defer sess.Close()
	r, err := sess.store.Find(ctx, pos[0])
	if err != nil {
		return err
	}
	return printRecord(s, c, sess.agent, r)
}

// statusJSON is the contract of `status --json`.
type statusJSON struct {
	DeviceID   string         `json:"device_id"`
	DeviceKey  string         `json:"device_key"`
	Officer    string         `json:"officer"`
	Records    int            `json:"records"`
	ByStatus   map[string]int `json:"by_status"`
	PendingOps uint64         `json:"pending_ops"`
	LastSeq    uint64         `json:"last_seq"`
	LastSync   *time.Time     `json:"last_sync"`
	Conflicts  int            `json:"conflicts"`
	Decisions  int            `json:"decisions"`
	HLC        string         `json:"hlc"`
	Hub        string         `json:"hub"` // "" until enrolled
	Outbox     int            `json:"outbox_bundles"`
	// Worklist counts the hub's worklist entries on this laptop by kind
	// (ektp: residents due a KTP-el; birth: children due a birth
	// certificate).
	Worklist map[string]int `json:"worklist"`
}

func cmdStatus(ctx context.Context, s stdio, args []string) error {
	var c common
	fs := newFlags(s, "status", "", "Shows what is waiting to be synced, the last sync, and counts by status.", &c, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("status takes no arguments, got %q", pos[0])
	}
	sess, err := open(ctx, s, c.data)
	if err != nil {
		return err
	}
	defer sess.Close()
	in, err := sess.store.Info(ctx)
	if err != nil {
		return err
	}
	out := statusJSON{DeviceID: in.DeviceID, DeviceKey: in.PublicKey, Officer: in.Officer, Records: in.Total, ByStatus: map[string]int{},
		PendingOps: in.Pending(), LastSeq: in.Seq, Conflicts: in.Conflicts, Decisions: in.Decisions, HLC: in.HLC.String()}
	for st, n := range in.ByStatus {
		out.ByStatus[string(st)] = n
	}
	if !in.LastSync.IsZero() {
		t := in.LastSync.UTC()
		out.LastSync = &t
	}
	if h, err := sess.store.Hub(ctx); err == nil {
		out.Hub = h.URL
	} else if !errors.Is(err, store.ErrNotEnrolled) {
		return err
	}
	if ob, err := sess.store.Outbox(ctx); err == nil {
		out.Outbox = len(ob)
	}
	wl, err := sess.store.WorklistCounts(ctx)
	if err != nil {
		return err
	}
	out.Worklist = map[string]int{string(record.KindEKTP): 0, string(record.KindBirth): 0}
	villages := 0
	for _, byKind := range wl {
		villages++
		for k, n := range byKind {
			out.Worklist[string(k)] += n
		}
	}
	if c.json {
		return writeJSON(s.Out, out)
	}
	lang := c.language()
	last := label(lang, "belum pernah", "never")
	if out.LastSync != nil {
		last = out.LastSync.Local().Format("2006-01-02 15:04")
	}
	rows := [][]string{
		{label(lang, "Petugas", "Officer"), in.Officer},
		{label(lang, "Perangkat", "Device"), in.DeviceID},
		{label(lang, "Catatan", "Records"), fmt.Sprint(in.Total)},
	}
	for _, st := range record.Statuses {
		if n := in.ByStatus[st]; n > 0 {
			rows = append(rows, []string{"  " + st.Label(lang), fmt.Sprint(n)})
		}
	}
	rows = append(rows,
		[]string{label(lang, "Menunggu sinkron", "Waiting to sync"), fmt.Sprintf("%d op", in.Pending())},
		[]string{label(lang, "Sinkron terakhir", "Last sync"), last},
		[]string{"Hub", hubLabel(lang, out.Hub)},
		[]string{label(lang, "Konflik", "Conflicts"), fmt.Sprint(in.Conflicts)},
		[]string{label(lang, "Keputusan hub", "Hub decisions"), fmt.Sprint(in.Decisions)},
		[]string{label(lang, "Daftar kerja", "Worklist"), fmt.Sprintf(label(lang, "%d belum ber-KTP-el, %d anak belum punya akta, di %d desa", "%d due a KTP-el, %d children due a birth certificate, in %d villages"),
			out.Worklist[string(record.KindEKTP)], out.Worklist[string(record.KindBirth)], villages)},
	)
	table(s.Out, rows)
	return nil
}

// filterSummaries applies a filter to an already-found list (NIK lookups).
func filterSummaries(list []store.Summary, f store.Filter) []store.Summary {
	var out []store.Summary
	for _, sm := range list {
		if (f.Status == "" || sm.Status == f.Status) && (f.Kind == "" || sm.Kind == f.Kind) {
			out = append(out, sm)
		}
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out
}

func hubLabel(lang record.Lang, url string) string {
	if url == "" {
		return label(lang, "belum terdaftar (jemput-agent enroll)", "not enrolled (jemput-agent enroll)")
	}
	return url
}
