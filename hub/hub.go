// Package hub is the central side of sync: it ingests bundles from enrolled
// laptops, merges their ops into records (internal/merge), flags conflicts
// and duplicates, records operators' decisions and edits as hub ops, and
// hands those ops back to the laptop that made each record.
//
// Storage is behind Store (SQLite in hub/sqlite; PostgreSQL next). Every
// change of state happens inside one Store.Update transaction, so a hub
// killed mid-ingest keeps either all of a bundle or none of it, and the
// device simply sends it again.
package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/syncproto"
)

// Sentinel errors callers branch on (the HTTP API maps them to statuses).
var (
	ErrNotFound       = errors.New("not found")
	ErrUnknownDevice  = errors.New("this laptop is not enrolled at this hub")
	ErrRevoked        = errors.New("this laptop has been revoked by the hub administrator")
	ErrCodeInvalid    = errors.New("enrolment code is unknown, already used or expired")
	ErrDeviceExists   = errors.New("a device with this id is already enrolled")
	ErrNotDecidable   = errors.New("record cannot be decided now")
	ErrReasonRequired = errors.New("a reason is required")
)

// Hub is the central service over one Store.
type Hub struct {
	store Store
	id    syncproto.Identity
	clock *hlc.Clock
	env   record.Env
	log   *slog.Logger
	now   func() time.Time
	rand  io.Reader
}

// Config is what New needs beyond the store.
type Config struct {
	Identity syncproto.Identity // the hub's keys
	Regions  record.Regions
	Logger   *slog.Logger
	Now      func() time.Time // time.Now if nil
	Rand     io.Reader        // crypto/rand if nil
}

const metaHLC = "hlc"

// New returns a hub over st. It resumes the hub's clock from the store.
func New(ctx context.Context, st Store, c Config) (*Hub, error) {
	if c.Identity.IsZero() {
		return nil, errors.New("hub: no identity")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Rand == nil {
		c.Rand = cryptoRand
	}
	var last hlc.Timestamp
	err := st.View(ctx, func(tx Tx) error {
		v, err := tx.Meta(metaHLC)
		if err != nil || v == "" {
			return err
		}
		last, err = hlc.Parse(v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("hub: read clock: %w", err)
	}
	return &Hub{store: st, id: c.Identity, clock: hlc.NewClock(c.Now, last),
		env: record.Env{Regions: c.Regions}, log: c.Logger, now: c.Now, rand: c.Rand}, nil
}

// Public is the hub's public keys: what devices seal to and verify.
func (h *Hub) Public() syncproto.PublicIdentity { return h.id.Public() }

// stamp takes a hub HLC after at least `after`, persisting it in tx.
func (h *Hub) stamp(tx Tx, after hlc.Timestamp) (hlc.Timestamp, error) {
	ts := h.clock.Observe(after)
	return ts, tx.SetMeta(metaHLC, ts.String())
}
