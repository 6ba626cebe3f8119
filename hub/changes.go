package hub

import (
	"bytes"
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/syncproto"
)

// MaxChangesPerBundle bounds one downstream bundle; the device asks again
// from the new cursor for more.
const MaxChangesPerBundle = 5000

// Changes seals, for device, the hub ops after cursor (decisions, operator
// edits, conflict resolutions on its records, worklist entries). It
// returns nil when there are none. The bundle's SeqLast is the device's
// next cursor.
func (h *Hub) Changes(ctx context.Context, deviceID string, after uint64) ([]byte, syncproto.Header, error) {
	return h.changes(ctx, deviceID, after, MaxChangesPerBundle)
}

func (h *Hub) changes(ctx context.Context, deviceID string, after uint64, limit int) ([]byte, syncproto.Header, error) {
	var (
		dev Device
		ops []syncproto.Op
	)
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		if dev, err = tx.Device(deviceID); err != nil {
			return err
		}
		ops, err = tx.Downstream(deviceID, after, limit)
		return err
	})
	if err != nil {
		return nil, syncproto.Header{}, fmt.Errorf("changes for %s: %w", deviceID, err)
	}
	if len(ops) == 0 {
		return nil, syncproto.Header{}, nil
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return nil, syncproto.Header{}, err
	}
	hdr := syncproto.Header{ID: id.String(), Sender: syncproto.HubSender, Epoch: "00", CreatedAt: h.now()}
	hdr.Cover(ops)
	var buf bytes.Buffer
	sealed, err := syncproto.Seal(&buf, hdr, ops, h.id, dev.Key, h.rand)
	if err != nil {
		return nil, syncproto.Header{}, fmt.Errorf("seal changes for %s: %w", deviceID, err)
	}
	return buf.Bytes(), sealed.Header, nil
}
