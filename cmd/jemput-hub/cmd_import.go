package main

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/jemputbola/jemput/internal/atomicfile"
	"github.com/jemputbola/jemput/syncproto"
)

const importHelp = `Ingests an export file an officer brought on a USB stick (jemput-agent export) and, with
--out, writes the return file for the officer to import on the laptop: the hub's signed
receipts and its changes (decisions, fixes) for that laptop. Importing a file twice is harmless.`

func cmdImport(ctx context.Context, s stdio, args []string) error {
	var c common
	var out string
	fs := newFlags(s, "import", "FILE", importHelp, &c, true)
	fs.StringVar(&out, "out", "", "write the return file here")
	byFlag(s, fs, &c)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("import needs one FILE")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	device, results, err := sess.hub.ImportFile(c.actor(ctx), f)
	if err != nil && len(results) == 0 {
		return fmt.Errorf("nothing was imported: %w", err)
	}
	if err != nil {
		fmt.Fprintf(s.Err, "jemput-hub import: stopped after %d bundle(s): %v\n", len(results), err)
	}
	if out != "" && len(results) > 0 {
		var buf bytes.Buffer
		if rerr := sess.hub.ReturnFile(ctx, &buf, device, results); rerr != nil {
			return fmt.Errorf("bundles were imported, but the return file could not be written: %w", rerr)
		}
		if werr := atomicfile.Write(out, buf.Bytes()); werr != nil {
			return fmt.Errorf("bundles were imported, but the return file could not be written: %w", werr)
		}
	}
	if c.json {
		rcs := make([]syncproto.Receipt, len(results))
		for i, r := range results {
			rcs[i] = r.Receipt
		}
		writeJSON(s.Out, map[string]any{"device": device, "receipts": rcs, "return_file": out})
	} else {
		for _, r := range results {
			rc := r.Receipt
			fmt.Fprintf(s.Out, "bundle %s: %s, %d change(s) applied, acknowledged up to %d", rc.BundleID, rc.Status, rc.Applied, rc.AckedSeq)
			if rc.Conflicts+rc.Duplicates > 0 {
				fmt.Fprintf(s.Out, ", %d conflict(s), %d duplicate(s)", rc.Conflicts, rc.Duplicates)
			}
			if r.Replayed {
				fmt.Fprint(s.Out, " (imported before)")
			}
			if rc.Message != "" {
				fmt.Fprintf(s.Out, " - %s", rc.Message)
			}
			fmt.Fprintln(s.Out)
		}
		if out != "" {
			fmt.Fprintf(s.Out, "Return file written to %s: the officer runs jemput-agent import %s\n", out, out)
		}
	}
	if err != nil {
		return errReported
	}
	return nil
}
