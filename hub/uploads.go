package hub

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/syncproto"
)

// ErrUploadMismatch: a bundle id announced again with another size or sum.
var ErrUploadMismatch = errors.New("a different bundle was announced before under this id")

// StartUpload records the start of a bundle upload by device, or returns
// the upload already started for that bundle (a device resuming after a
// cut link), so the device can ask how far it got.
func (h *Hub) StartUpload(ctx context.Context, device string, req syncproto.UploadRequest) (Upload, error) {
	if err := req.Validate(MaxBundle); err != nil {
		return Upload{}, err
	}
	var u Upload
	err := h.store.Update(ctx, func(tx Tx) error {
		var err error
		u, err = tx.UploadByBundle(device, req.BundleID)
		if err == nil {
			if u.Size != req.Size || u.Sum != req.Sum {
				return fmt.Errorf("bundle %s: %w", req.BundleID, ErrUploadMismatch)
			}
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		u = Upload{ID: uuid.NewString(), DeviceID: device, BundleID: req.BundleID, Size: req.Size, Sum: req.Sum, CreatedAt: h.now().UTC()}
		return tx.PutUpload(u)
	})
	return u, err
}

// Upload reads upload id of device; another device's upload is not found.
func (h *Hub) Upload(ctx context.Context, device, id string) (Upload, error) {
	var u Upload
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		u, err = tx.Upload(id)
		return err
	})
	if err == nil && u.DeviceID != device {
		return Upload{}, fmt.Errorf("upload %s: %w", id, ErrNotFound)
	}
	return u, err
}

// FinishUpload marks an upload complete once its bundle is ingested.
func (h *Hub) FinishUpload(ctx context.Context, u Upload) error {
	u.Complete = true
	return h.store.Update(ctx, func(tx Tx) error { return tx.PutUpload(u) })
}

// Receipt is the signed receipt of a bundle already ingested.
func (h *Hub) Receipt(ctx context.Context, bundleID string) ([]byte, error) {
	var b Bundle
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		b, err = tx.Bundle(bundleID)
		return err
	})
	return b.Receipt, err
}

// NonceMemory is how long request nonces are remembered: longer than the
// clock skew a request may have, so a replay is always caught.
const NonceMemory = 15 * 24 * time.Hour

// AcceptRequest records an authenticated request of device: its nonce
// (false when seen before: a replay) and its clock skew, in one commit.
func (h *Hub) AcceptRequest(ctx context.Context, device, nonce string, sent time.Time) (bool, error) {
	now := h.now()
	var fresh bool
	err := h.store.Update(ctx, func(tx Tx) error {
		var err error
		if fresh, err = tx.UseNonce(device, nonce, now, now.Add(-NonceMemory)); err != nil || !fresh {
			return err
		}
		d, err := tx.Device(device)
		if err != nil {
			return err
		}
		d.Skew = sent.Sub(now).Round(time.Second)
		return tx.PutDevice(d)
	})
	return fresh, err
}
