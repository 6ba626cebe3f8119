package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/agent/hubclient"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/atomicfile"
	"github.com/jemputbola/jemput/syncproto"
)

const enrollHelp = `Enrols this laptop at the hub with a one-time code from the hub administrator
(jemput-hub device code). Needs a connection to the hub once; after that the laptop
syncs over HTTP or by bundle files.`

func cmdEnroll(ctx context.Context, s stdio, args []string) error {
	var c common
	var hubURL, code string
	fs := newFlags(s, "enroll", "", enrollHelp, &c, true)
	fs.StringVar(&hubURL, "hub", envOr(s.Getenv, "JEMPUT_HUB", ""), "hub address, e.g. http://10.1.1.5:8080 (env JEMPUT_HUB)")
	fs.StringVar(&code, "code", "", "the enrolment code (XXXX-XXXX-XXXX)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || hubURL == "" || code == "" {
		return usageErr("enroll needs --hub URL and --code CODE")
	}
	if !strings.HasPrefix(hubURL, "http://") && !strings.HasPrefix(hubURL, "https://") {
		hubURL = "http://" + hubURL
	}
	sess, err := open(ctx, s, c.data)
	if err != nil {
		return err
	}
	defer sess.Close()
	id, err := sess.store.Identity(ctx)
	if err != nil {
		return err
	}
	epoch, err := sess.store.Epoch(ctx)
	if err != nil {
		return err
	}
	officer := sess.store.Officer()
	if officer == "" {
		officer = "-"
	}
	req, err := syncproto.NewEnrollRequest(strings.TrimSpace(code), sess.store.DeviceID(), officer, epoch, id, time.Now())
	if err != nil {
		return err
	}
	resp, err := hubclient.Enroll(ctx, &http.Client{Timeout: time.Minute}, hubURL, req)
	if err != nil {
		return fmt.Errorf("not enrolled: %w", err)
	}
	if err := sess.store.Enroll(ctx, store.Hub{URL: hubURL, Key: resp.Hub, Villages: resp.Villages}, resp.Officer); err != nil {
		return err
	}
	if c.json {
		return writeJSON(s.Out, map[string]any{"device_id": resp.DeviceID, "officer": resp.Officer, "villages": resp.Villages,
			"hub": hubURL, "hub_key": resp.Hub.SignFingerprint().String()})
	}
	lang := c.language()
	fmt.Fprintf(s.Out, label(lang, "Terdaftar di hub %s sebagai %s (perangkat %s).\n", "Enrolled at hub %s as %s (device %s).\n"),
		hubURL, resp.Officer, resp.DeviceID)
	return nil
}

const syncHelp = `Sends every change not yet at the hub, then fetches the hub's decisions and fixes. On a bad
link it retries with backoff and resumes where the connection dropped; nothing is dropped
from this laptop before the hub's signed receipt covers it. Safe to run again any time.`

func cmdSync(ctx context.Context, s stdio, args []string) error {
	var c common
	var quiet bool
	var retries int
	fs := newFlags(s, "sync", "", syncHelp, &c, true)
	fs.BoolVar(&quiet, "quiet", false, "no progress lines")
	fs.IntVar(&retries, "retries", 8, "how many times a failed request is tried again, waiting longer each time (up to a minute)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("sync takes no arguments, got %q", pos[0])
	}
	sess, err := open(ctx, s, c.data)
	if err != nil {
		return err
	}
	defer sess.Close()
	h, err := sess.store.Hub(ctx)
	if err != nil {
		return err
	}
	id, err := sess.store.Identity(ctx)
	if err != nil {
		return err
	}
	cl := hubclient.New(h.URL, sess.store.DeviceID(), id)
	cl.Retries = max(retries, 0)
	if v := s.Getenv("JEMPUT_SYNC_CHUNK"); v != "" {
		fmt.Sscan(v, &cl.ChunkSize)
	}
	lang := c.language()
	cl.Retrying = func(err error, wait time.Duration) {
		if !quiet {
			fmt.Fprintf(s.Err, label(lang, "\nsambungan gagal (%v); coba lagi dalam %s\n", "\nlink failed (%v); retrying in %s\n"), err, wait.Round(100*time.Millisecond))
		}
	}
	progress := func(ev agent.SyncEvent) {
		if quiet || c.json {
			return
		}
		switch ev.Phase {
		case "upload":
			rate := 0.0
			if ev.Elapsed > 0 {
				rate = float64(ev.Sent) / ev.Elapsed.Seconds()
			}
			pct := 100 * float64(ev.Sent) / float64(max(ev.Total, 1))
			fmt.Fprintf(s.Err, label(lang, "\rkirim paket %d/%d: %s / %s (%.0f%%), %d perubahan, %s/detik   ",
				"\rsending bundle %d/%d: %s / %s (%.0f%%), %d changes, %s/s   "),
				ev.Bundle, ev.Bundles, size(ev.Sent), size(ev.Total), pct, ev.Ops, size(int64(rate)))
		case "receipt":
			fmt.Fprintf(s.Err, label(lang, "\npaket %d/%d: %s, diakui sampai %d\n", "\nbundle %d/%d: %s, acknowledged up to %d\n"),
				ev.Bundle, ev.Bundles, ev.Receipt.Status, ev.Receipt.AckedSeq)
		case "download":
			fmt.Fprintf(s.Err, label(lang, "terima dari hub: %d keputusan, %d perbaikan\n", "from the hub: %d decisions, %d fixes\n"),
				ev.Downloaded.Decisions, ev.Downloaded.Edits)
		}
	}
	rep, err := sess.agent.Sync(ctx, cl, progress)
	if errors.Is(err, hubclient.ErrRevoked) {
		return fmt.Errorf("%s (records on this laptop are kept)", err)
	}
	if err != nil {
		return fmt.Errorf("%w\n%s", err, label(lang, "Tidak ada yang hilang: jalankan sync lagi saat sinyal ada.", "Nothing is lost: run sync again when there is signal."))
	}
	return printSyncReport(s, c, rep)
}

func printSyncReport(s stdio, c common, rep agent.SyncReport) error {
	if c.json {
		return writeJSON(s.Out, map[string]any{"bundles": rep.Bundles, "ops": rep.Ops, "bytes": rep.Bytes, "acked_seq": rep.AckedSeq,
			"held": rep.Held, "quarantined": rep.Quarantine, "conflicts": rep.Conflicts, "duplicates": rep.Duplicates,
			"decisions": rep.Applied.Decisions, "edits": rep.Applied.Edits, "worklist": rep.Applied.Worklist})
	}
	lang := c.language()
	fmt.Fprintf(s.Out, label(lang, "Selesai: %d perubahan dalam %d paket diakui hub; %d keputusan dan %d perbaikan dari hub.\n",
		"Done: %d changes in %d bundles acknowledged by the hub; %d decisions and %d fixes from the hub.\n"),
		rep.Ops, rep.Bundles, rep.Applied.Decisions, rep.Applied.Edits)
	if rep.Applied.Worklist > 0 {
		fmt.Fprintf(s.Out, label(lang, "Daftar kerja: %d perubahan dari hub.\n", "Worklist: %d changes from the hub.\n"), rep.Applied.Worklist)
	}
	if rep.Conflicts+rep.Duplicates > 0 {
		fmt.Fprintf(s.Out, label(lang, "Hub menandai %d konflik dan %d kemungkinan duplikat untuk diperiksa operator.\n",
			"The hub flagged %d conflicts and %d likely duplicates for an operator.\n"), rep.Conflicts, rep.Duplicates)
	}
	if rep.Held > 0 {
		fmt.Fprintf(s.Out, label(lang, "%d paket ditahan hub menunggu paket sebelumnya.\n", "%d bundles are held by the hub, waiting for earlier ones.\n"), rep.Held)
	}
	for _, q := range rep.Quarantine {
		fmt.Fprintf(s.Out, label(lang, "Dikarantina oleh hub: %s\n", "Quarantined by the hub: %s\n"), q)
	}
	return nil
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

const exportHelp = `Writes every change not yet acknowledged by the hub to FILE (for a USB stick), sealed to the
hub and signed by this laptop: nobody else can read or alter it. The changes stay here until
the hub's return file (jemput-agent import) acknowledges them.`

func cmdExport(ctx context.Context, s stdio, args []string) error {
	var c common
	var out string
	fs := newFlags(s, "export", "", exportHelp, &c, true)
	fs.StringVar(&out, "out", "", "file to write, e.g. /media/usb/jemput-export.bin")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || out == "" {
		return usageErr("export needs --out FILE")
	}
	sess, err := open(ctx, s, c.data)
	if err != nil {
		return err
	}
	defer sess.Close()
	var buf bytes.Buffer
	bundles, ops, err := sess.agent.Export(ctx, &buf)
	if err != nil {
		return err
	}
	if bundles > 0 {
		if err := atomicfile.Write(out, buf.Bytes()); err != nil {
			return err
		}
	}
	lang := c.language()
	if c.json {
		return writeJSON(s.Out, map[string]any{"file": out, "bundles": bundles, "ops": ops})
	}
	if bundles == 0 {
		fmt.Fprintln(s.Out, label(lang, "Tidak ada perubahan yang menunggu: tidak ada berkas ditulis.", "Nothing is waiting for the hub: no file written."))
		return nil
	}
	fmt.Fprintf(s.Out, label(lang, "%d perubahan dalam %d paket ditulis ke %s. Bawa ke hub; impor berkas baliknya dengan jemput-agent import.\n",
		"%d changes in %d bundles written to %s. Take it to the hub; import its return file with jemput-agent import.\n"), ops, bundles, out)
	return nil
}

func cmdImport(ctx context.Context, s stdio, args []string) error {
	var c common
	fs := newFlags(s, "import", "FILE", "Reads the hub's return file: receipts for what the hub took (those changes leave the\noutbox) and the hub's decisions and fixes for this laptop's records.", &c, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("import needs one FILE")
	}
	var r io.Reader = s.In
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	sess, err := open(ctx, s, c.data)
	if err != nil {
		return err
	}
	defer sess.Close()
	rep, err := sess.agent.Import(ctx, r)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	return printSyncReport(s, c, rep)
}
