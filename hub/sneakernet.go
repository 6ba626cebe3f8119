package hub

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/jemputbola/jemput/syncproto"
)

// MaxImportFile bounds a USB export file (several bundles back to back).
const MaxImportFile = 4 * MaxBundle

// ImportFile ingests an export file from a USB stick: one or more bundles of
// one device back to back. It returns each bundle's result; a bundle that
// fails stops the import, and those before it stay ingested (each is its
// own transaction, and a second import of the file is harmless).
func (h *Hub) ImportFile(ctx context.Context, r io.Reader) (string, []Result, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportFile+1))
	if err != nil {
		return "", nil, fmt.Errorf("read file: %w", err)
	}
	if len(data) > MaxImportFile {
		return "", nil, fmt.Errorf("file over %d MiB: %w", MaxImportFile>>20, syncproto.ErrTooLarge)
	}
	if len(data) == 0 {
		return "", nil, fmt.Errorf("the file is empty: %w", syncproto.ErrTruncated)
	}
	var device string
	var results []Result
	for len(data) > 0 {
		n, sender, err := h.bundleLen(ctx, data)
		if err != nil {
			return device, results, fmt.Errorf("bundle %d of the file: %w", len(results)+1, err)
		}
		if device != "" && sender != device {
			return device, results, fmt.Errorf("bundle %d of the file is from another laptop (%s, not %s)", len(results)+1, sender, device)
		}
		device = sender
		res, err := h.Ingest(ctx, bytes.NewReader(data[:n]), "file")
		if err != nil {
			return device, results, fmt.Errorf("bundle %d of the file: %w", len(results)+1, err)
		}
		results = append(results, res)
		data = data[n:]
	}
	err = h.store.Update(ctx, func(tx Tx) error {
		return h.audit(tx, actorOf(ctx, "cli"), AuditImport, device, fmt.Sprintf("%d bundle(s) from a file", len(results)))
	})
	return device, results, err
}

// bundleLen finds where the bundle at the start of data ends, verifying its
// signature on the way (the decoder reads nothing past it).
func (h *Hub) bundleLen(ctx context.Context, data []byte) (int, string, error) {
	hdr, err := syncproto.PeekHeader(bytes.NewReader(data))
	if err != nil {
		return 0, "", err
	}
	dev, err := h.Device(ctx, hdr.Sender)
	if err != nil {
		return 0, "", fmt.Errorf("sender %q: %w", hdr.Sender, ErrUnknownDevice)
	}
	o := h.opener(dev)
	d, err := o.NewDecoder(bytes.NewReader(data))
	if err != nil {
		return 0, "", err
	}
	defer d.Close()
	return int(d.Size()), hdr.Sender, nil
}

// MaxReturnChanges bounds the hub ops in one return file. A return file
// holds one bundle and the hub does not know how far the laptop has
// applied, so it carries the device's changes from the start: far more
// than one HTTP round (a worklist alone can be thousands of entries).
const MaxReturnChanges = 100_000

// ReturnFile writes what goes back on the USB stick: the signed receipts
// and, sealed to the device, the hub's changes for it. Without a cursor
// from the device, it sends its changes from the start (up to
// MaxReturnChanges, fewer if they would not fit in one bundle); the laptop
// applies each op once. A laptop whose changes outgrow that needs one
// sync over the network.
func (h *Hub) ReturnFile(ctx context.Context, w io.Writer, device string, results []Result) error {
	receipts := make([][]byte, len(results))
	for i, r := range results {
		receipts[i] = r.Signed
	}
	for limit := MaxReturnChanges; ; limit /= 2 {
		b, _, err := h.changes(ctx, device, 0, limit)
		if err != nil {
			return err
		}
		if len(b) > syncproto.DefaultMaxBundleBytes && limit > MaxChangesPerBundle {
			continue
		}
		return syncproto.WriteReturn(w, receipts, b)
	}
}
