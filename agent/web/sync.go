package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/agent/hubclient"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/webkit"
	"github.com/jemputbola/jemput/syncproto"
)

// Transport is the hub as the sync page needs it.
type Transport interface {
	agent.Transport
	Hello(ctx context.Context) (syncproto.HelloResponse, error)
}

// httpTransport reaches the hub the laptop is enrolled at.
func httpTransport(ctx context.Context, st *store.Store) (Transport, error) {
	h, err := st.Hub(ctx)
	if err != nil {
		return nil, err
	}
	id, err := st.Identity(ctx)
	if err != nil {
		return nil, err
	}
	return hubclient.New(h.URL, st.DeviceID(), id), nil
}

// syncState is what the sync page shows; it lives in the server, so a
// reloaded page (or another tab) sees the sync still running.
type syncState struct {
	Running           bool   `json:"running"`
	Phase             string `json:"phase"`
	Bundle            int    `json:"bundle"`
	Bundles           int    `json:"bundles"`
	Changes           uint64 `json:"changes"`      // ops to send when the sync started
	ChangesSent       int    `json:"changes_sent"` // ops the hub has acknowledged
	BytesSent         int64  `json:"bytes_sent"`
	BytesTotal        int64  `json:"bytes_total"` // an estimate until the last bundle
	Percent           int    `json:"percent"`
	SecondsLeft       int    `json:"seconds_left"` // -1: not known yet
	Retry             string `json:"retry,omitempty"`
	Error             string `json:"error,omitempty"`
	Done              bool   `json:"done"`
	Decisions, Fixes  int
	Conflicts, Dups   int
	Started, Finished time.Time
	done              int64 // bytes of bundles finished
}

type syncJob struct {
	mu sync.Mutex
	st syncState
}

func (j *syncJob) snapshot() syncState {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.st
}

func (j *syncJob) update(fn func(st *syncState)) {
	j.mu.Lock()
	fn(&j.st)
	j.mu.Unlock()
}

// start runs one sync in the background unless one is running.
func (s *Server) startSync(a *agent.Agent) bool {
	j := s.sync
	j.mu.Lock()
	if j.st.Running {
		j.mu.Unlock()
		return false
	}
	j.st = syncState{Running: true, Phase: "connect", Started: s.cfg.Now(), SecondsLeft: -1}
	j.mu.Unlock()
	go s.runSync(a)
	return true
}

func (s *Server) runSync(a *agent.Agent) {
	// Not the request's context: the sync goes on when the page is closed.
	ctx := context.Background()
	j := s.sync
	finish := func(err error, rep agent.SyncReport) {
		j.update(func(st *syncState) {
			st.Running, st.Done, st.Finished = false, err == nil, s.cfg.Now()
			if err != nil {
				st.Error = err.Error()
				s.cfg.Log.Warn("sync failed", "err", err)
				return
			}
			st.Percent, st.SecondsLeft = 100, 0
			st.Decisions, st.Fixes, st.Conflicts, st.Dups = rep.Applied.Decisions, rep.Applied.Edits, rep.Conflicts, rep.Duplicates
		})
	}
	in, err := a.Store().Info(ctx)
	if err != nil {
		finish(err, agent.SyncReport{})
		return
	}
	j.update(func(st *syncState) { st.Changes = in.Pending() })
	t, err := s.cfg.Transport(ctx, a.Store())
	if err != nil {
		finish(err, agent.SyncReport{})
		return
	}
	if c, ok := t.(*hubclient.Client); ok {
		c.Retrying = func(err error, wait time.Duration) {
			j.update(func(st *syncState) { st.Retry = fmt.Sprintf("%v; %s", err, wait.Round(time.Second)) })
		}
	}
	rep, err := a.Sync(ctx, t, func(ev agent.SyncEvent) {
		j.update(func(st *syncState) {
			st.Phase, st.Retry = ev.Phase, ""
			switch ev.Phase {
			case "upload":
				st.Bundle, st.Bundles = ev.Bundle, ev.Bundles
				st.BytesSent = st.done + ev.Sent
				st.BytesTotal = st.done + ev.Total*int64(ev.Bundles-ev.Bundle+1)
				st.Percent = int(100 * st.BytesSent / max(st.BytesTotal, 1))
				if ev.Elapsed > time.Second && ev.Sent > 0 {
					rate := float64(st.BytesSent) / s.cfg.Now().Sub(st.Started).Seconds()
					st.SecondsLeft = int(float64(st.BytesTotal-st.BytesSent) / max(rate, 1))
				}
			case "receipt":
				st.done += ev.Total
				st.ChangesSent += ev.Ops
			}
		})
	})
	if errors.Is(err, hubclient.ErrRevoked) {
		err = errors.New("laptop ini dicabut oleh hub / this laptop was revoked by the hub (records here are kept)")
	}
	finish(err, rep)
}

type syncPage struct {
	pageData
	State    syncState
	Enrolled bool
	HubURL   string
	Info     store.Info
	LastSync string
}

func (s *Server) syncPage(w http.ResponseWriter, r *http.Request) {
	st := sessionOf(r).agent.Store()
	d := syncPage{pageData: s.base(r, webkit.Pick(webkit.Lang(r), "Sinkronisasi", "Sync")), State: s.sync.snapshot()}
	if h, err := st.Hub(r.Context()); err == nil {
		d.Enrolled, d.HubURL = true, h.URL
	}
	in, err := st.Brief(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Info = in
	if !in.LastSync.IsZero() {
		d.LastSync = ago(s.cfg.Now(), in.LastSync, record.ParseLang(d.Lang))
	}
	s.render(w, http.StatusOK, "sync.html", d)
}

func (s *Server) syncProgress(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.sync.snapshot())
}

func (s *Server) syncStart(w http.ResponseWriter, r *http.Request) {
	if _, err := sessionOf(r).agent.Store().Hub(r.Context()); err != nil {
		webkit.Flash(w, "err", webkit.Pick(webkit.Lang(r), "Laptop ini belum terdaftar di hub: jalankan jemput-agent enroll dengan kode dari admin.",
			"This laptop is not enrolled at a hub yet: run jemput-agent enroll with the code from the admin."))
		http.Redirect(w, r, "/sync", http.StatusSeeOther)
		return
	}
	s.startSync(sessionOf(r).agent)
	http.Redirect(w, r, "/sync", http.StatusSeeOther)
}

// syncCheck asks the hub once whether it is reachable and knows this
// laptop, and compares the clocks.
func (s *Server) syncCheck(w http.ResponseWriter, r *http.Request) {
	l := webkit.Lang(r)
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	t, err := s.cfg.Transport(ctx, sessionOf(r).agent.Store())
	var hello syncproto.HelloResponse
	if err == nil {
		hello, err = t.Hello(ctx)
	}
	if err != nil {
		webkit.Flash(w, "err", webkit.Pick(l, "Hub tidak terjangkau: ", "The hub cannot be reached: ")+err.Error()+
			webkit.Pick(l, ". Rekaman tetap aman di laptop.", ". Records stay safe on this laptop."))
		http.Redirect(w, r, "/sync", http.StatusSeeOther)
		return
	}
	skew := s.cfg.Now().Sub(hello.Time).Round(time.Second)
	msg := webkit.Pick(l, "Hub terhubung dan mengenali laptop ini.", "The hub is reachable and knows this laptop.")
	if skew > 5*time.Minute || skew < -5*time.Minute {
		msg += webkit.Pick(l, fmt.Sprintf(" Jam laptop berbeda %s dari jam hub: periksa tanggal dan jam.", skew),
			fmt.Sprintf(" The laptop's clock is %s off the hub's: check the date and time.", skew))
	}
	webkit.Flash(w, "ok", msg)
	http.Redirect(w, r, "/sync", http.StatusSeeOther)
}

// export downloads every change not yet acknowledged as one sealed file
// for a USB stick; the changes stay in the outbox until the return file
// (or a sync) acknowledges them.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	a := sessionOf(r).agent
	var buf bytes.Buffer
	bundles, ops, err := a.Export(r.Context(), &buf)
	if errors.Is(err, store.ErrNotEnrolled) {
		webkit.Flash(w, "err", webkit.Pick(webkit.Lang(r), "Laptop ini belum terdaftar di hub.", "This laptop is not enrolled at a hub yet."))
		http.Redirect(w, r, "/sync", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if bundles == 0 {
		webkit.Flash(w, "ok", webkit.Pick(webkit.Lang(r), "Tidak ada perubahan yang menunggu hub: tidak ada berkas.", "Nothing is waiting for the hub: no file."))
		http.Redirect(w, r, "/sync", http.StatusSeeOther)
		return
	}
	name := fmt.Sprintf("jemput-%s-%s.jmpt", a.Store().DeviceID()[:8], s.cfg.Now().Format("20060102-1504"))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Jemput-Changes", fmt.Sprint(ops))
	w.Write(buf.Bytes())
}

// importReturn reads the hub's return file: receipts and decisions.
func (s *Server) importReturn(w http.ResponseWriter, r *http.Request) {
	l := webkit.Lang(r)
	f, _, err := r.FormFile("file")
	if err != nil {
		webkit.Flash(w, "err", webkit.Pick(l, "Pilih berkas balikan dari hub dulu.", "Choose the hub's return file first."))
		http.Redirect(w, r, "/sync", http.StatusSeeOther)
		return
	}
	defer f.Close()
	rep, err := sessionOf(r).agent.Import(r.Context(), f)
	if err != nil {
		webkit.Flash(w, "err", webkit.Pick(l, "Berkas tidak diterima, tidak ada yang berubah: ", "The file was refused, nothing changed: ")+err.Error())
		http.Redirect(w, r, "/sync", http.StatusSeeOther)
		return
	}
	webkit.Flash(w, "ok", fmt.Sprintf(webkit.Pick(l, "Berkas balikan dibaca: %d perubahan diakui hub, %d keputusan, %d perbaikan.",
		"Return file read: %d changes acknowledged by the hub, %d decisions, %d fixes."), rep.Ops, rep.Applied.Decisions, rep.Applied.Edits))
	http.Redirect(w, r, "/sync", http.StatusSeeOther)
}
