package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/syncproto"
)

var cryptoRand = rand.Reader

// CodeLifetime is how long an enrolment code stays usable.
const CodeLifetime = 7 * 24 * time.Hour

// NewEnrolCode makes a one-time code an officer types into
// `jemput-agent enroll`. Only its hash is stored. The code has the
// tracking-code form (groups of four, a check character), so a typo is
// caught before it reaches the hub.
func (h *Hub) NewEnrolCode(ctx context.Context, officer string, villages []string) (string, EnrolCode, error) {
	officer = strings.TrimSpace(officer)
	if officer == "" {
		return "", EnrolCode{}, errors.New("officer name is required")
	}
	for _, v := range villages {
		if h.env.Regions != nil {
			if _, ok := h.env.Regions.Lookup(v); !ok {
				return "", EnrolCode{}, fmt.Errorf("unknown region code %q", v)
			}
		}
	}
	code, err := tracking.New(h.rand)
	if err != nil {
		return "", EnrolCode{}, err
	}
	now := h.now().UTC()
	c := EnrolCode{Hash: codeHash(code), Officer: officer, Villages: villages, CreatedAt: now, ExpiresAt: now.Add(CodeLifetime)}
	err = h.store.Update(ctx, func(tx Tx) error {
		if err := tx.PutEnrolCode(c); err != nil {
			return err
		}
		return h.audit(tx, actorOf(ctx, "cli"), AuditEnrolCode, officer, fmt.Sprintf("code for %s, villages %v, valid until %s",
			officer, villages, c.ExpiresAt.Format(time.RFC3339)))
	})
	if err != nil {
		return "", EnrolCode{}, fmt.Errorf("save enrolment code: %w", err)
	}
	return code.String(), c, nil
}

func codeHash(c tracking.Code) string {
	s := sha256.Sum256([]byte("jemput/enrol-code/v1\n" + string(c)))
	return hex.EncodeToString(s[:])
}

// Enroll registers a laptop that presents a valid, unused code and proves
// it holds the key it enrols. The code is used up in the same transaction.
func (h *Hub) Enroll(ctx context.Context, req syncproto.EnrollRequest) (syncproto.EnrollResponse, error) {
	if err := req.Verify(); err != nil {
		return syncproto.EnrollResponse{}, fmt.Errorf("enrol %s: %w", req.DeviceID, err)
	}
	code, err := tracking.Parse(req.Code)
	if err != nil {
		return syncproto.EnrollResponse{}, fmt.Errorf("enrolment code %q: %w", req.Code, ErrCodeInvalid)
	}
	var d Device
	err = h.store.Update(ctx, func(tx Tx) error {
		c, err := tx.EnrolCode(codeHash(code))
		if errors.Is(err, ErrNotFound) {
			return ErrCodeInvalid
		}
		if err != nil {
			return err
		}
		if c.UsedBy != "" || h.now().After(c.ExpiresAt) {
			return ErrCodeInvalid
		}
		if _, err := tx.Device(req.DeviceID); err == nil {
			return ErrDeviceExists
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		c.UsedBy = req.DeviceID
		if err := tx.PutEnrolCode(c); err != nil {
			return err
		}
		d = Device{ID: req.DeviceID, Officer: c.Officer, Villages: c.Villages, Key: req.Key, Epoch: req.Epoch,
			EnrolledAt: h.now().UTC()}
		if err := tx.PutDevice(d); err != nil {
			return err
		}
		// The worklist of its villages waits in its first changes.
		if _, err := h.refreshWorklists(tx, d.ID, nil); err != nil {
			return err
		}
		return h.audit(tx, "device:"+d.ID, AuditEnrol, d.ID, "enrolled for "+d.Officer+", key "+req.Key.SignFingerprint().String())
	})
	if err != nil {
		return syncproto.EnrollResponse{}, fmt.Errorf("enrol %s: %w", req.DeviceID, err)
	}
	h.log.Info("device enrolled", "device", d.ID, "officer", d.Officer)
	return syncproto.EnrollResponse{DeviceID: d.ID, Officer: d.Officer, Villages: d.Villages, Hub: h.Public()}, nil
}

// Revoke stops a device: its requests are refused from now on, and any
// bundle it sealed with changes after those already applied is
// quarantined. Revoking twice keeps the first cutoff.
func (h *Hub) Revoke(ctx context.Context, id string) (Device, error) {
	var d Device
	err := h.store.Update(ctx, func(tx Tx) error {
		var err error
		if d, err = tx.Device(id); err != nil {
			return err
		}
		if d.Revoked() {
			return nil
		}
		d.RevokedAt, d.CutoffSeq = h.now().UTC(), d.AppliedSeq
		if err := tx.PutDevice(d); err != nil {
			return err
		}
		return h.audit(tx, actorOf(ctx, "cli"), AuditRevoke, d.ID, fmt.Sprintf("revoked %s's laptop; changes after %d quarantined", d.Officer, d.CutoffSeq))
	})
	if err != nil {
		return Device{}, fmt.Errorf("revoke device %s: %w", id, err)
	}
	h.log.Info("device revoked", "device", d.ID, "cutoff_seq", d.CutoffSeq)
	return d, nil
}

// Device reads one device.
func (h *Hub) Device(ctx context.Context, id string) (Device, error) {
	var d Device
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		d, err = tx.Device(id)
		return err
	})
	return d, err
}

// Devices lists the enrolled devices.
func (h *Hub) Devices(ctx context.Context) ([]Device, error) {
	var ds []Device
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		ds, err = tx.Devices()
		return err
	})
	return ds, err
}
