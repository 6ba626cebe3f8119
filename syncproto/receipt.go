package syncproto

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// ReceiptStatus is what the hub did with a bundle.
type ReceiptStatus string

const (
	// ReceiptApplied: every op of the bundle is applied, or was already
	// held. The agent may forget its ops up to Receipt.AckedSeq.
	ReceiptApplied ReceiptStatus = "applied"
	// ReceiptHeld: the bundle is kept but not applied, because an earlier
	// bundle from the device has not arrived (a gap in its seqs). It is
	// applied when the gap fills; the agent sends the missing bundle.
	ReceiptHeld ReceiptStatus = "held"
	// ReceiptQuarantined: the bundle is kept for an operator and not
	// applied: the device was revoked before it sealed it, or the bundle
	// forks the device's chain (another epoch, a Prev that does not match,
	// or a seq already received with other content).
	ReceiptQuarantined ReceiptStatus = "quarantined"
)

// valid reports whether s is one of the statuses above.
func (s ReceiptStatus) valid() bool {
	return s == ReceiptApplied || s == ReceiptHeld || s == ReceiptQuarantined
}

// Bounds of a receipt.
const (
	// MaxReceiptSize bounds a signed receipt, in bytes. SignReceipt stays
	// far below it (MaxReceiptMessage is the only free-length field).
	MaxReceiptSize = 64 << 10
	// MaxReceiptMessage bounds Receipt.Message, in bytes; SignReceipt
	// shortens a longer one.
	MaxReceiptMessage = 2 << 10
)

// receiptContext separates receipt signatures from the bundles the hub
// signs with the same key.
const receiptContext = "jemput/receipt/v1\n"

// Receipt is the hub's signed statement of what it did with one bundle.
// The agent keeps its ops until a receipt acknowledges them, so a receipt
// must be unforgeable: the hub signs it, and the agent checks it with the
// hub key it pinned at enrolment.
type Receipt struct {
	BundleID string `json:"bundle_id"`
	DeviceID string `json:"device_id"` // the sender of the bundle
	Sum      string `json:"sum"`       // SHA-256 of the bundle bytes, lowercase hex
	// SeqFirst..SeqLast is the bundle header's seq range.
	SeqFirst uint64 `json:"seq_first"`
	SeqLast  uint64 `json:"seq_last"`
	// AckedSeq is the highest seq up to which the hub holds every op of
	// this device without a gap: the agent may forget its ops up to it,
	// whatever the bundle's own status.
	AckedSeq uint64        `json:"acked_seq"`
	Status   ReceiptStatus `json:"status"`
	// Applied ops changed a record; Conflicts of them were concurrent
	// edits the hub resolved and flagged for review; Duplicates the hub
	// already held.
	Applied    int    `json:"applied"`
	Conflicts  int    `json:"conflicts"`
	Duplicates int    `json:"duplicates"`
	Message    string `json:"message,omitempty"` // plain words for the officer, e.g. why it is held
	// ReceivedAt is the hub's clock when the bundle arrived, UTC.
	ReceivedAt time.Time `json:"received_at"`
	// Hub is the fingerprint of the key that signed the receipt; set by
	// SignReceipt.
	Hub Fingerprint `json:"hub"`
}

// validate bounds every field; errors wrap ErrMalformed.
func (r Receipt) validate() error {
	switch {
	case !canonicalUUID(r.BundleID):
		return errf(ErrMalformed, "receipt: bundle id %q is not a canonical UUID", truncate(r.BundleID, 64))
	case !validSender(r.DeviceID):
		return errf(ErrMalformed, "receipt: device id must be 1..%d printable ASCII bytes", MaxSenderLen)
	case !validSum(r.Sum):
		return errf(ErrMalformed, "receipt: sum must be 64 lowercase hex digits")
	case r.SeqFirst > r.SeqLast:
		return errf(ErrMalformed, "receipt: seq range [%d, %d] is reversed", r.SeqFirst, r.SeqLast)
	case !r.Status.valid():
		return errf(ErrMalformed, "receipt: unknown status %q", truncate(string(r.Status), 32))
	case r.Applied < 0 || r.Conflicts < 0 || r.Duplicates < 0:
		return errf(ErrMalformed, "receipt: negative count")
	case len(r.Message) > MaxReceiptMessage:
		return errf(ErrMalformed, "receipt: message is over %d bytes", MaxReceiptMessage)
	case r.ReceivedAt.IsZero():
		return errf(ErrMalformed, "receipt: received-at is unset")
	case r.Hub.IsZero():
		return errf(ErrMalformed, "receipt: hub key fingerprint is unset")
	}
	return nil
}

// signedReceipt is the envelope SignReceipt writes. Receipt is kept raw:
// the signature is over its exact bytes, and they are never re-encoded.
type signedReceipt struct {
	Receipt   json.RawMessage `json:"receipt"`
	Signature []byte          `json:"signature"`
}

// SignReceipt signs r with the hub's key and returns
//
//	{"receipt":<receipt JSON>,"signature":"<base64>"}
//
// where the signature is Ed25519 over "jemput/receipt/v1\n" followed by
// the receipt JSON exactly as it appears there. It sets r.Hub to the
// fingerprint of hub's signing key, ReceivedAt to UTC, and shortens a
// Message over MaxReceiptMessage bytes (at a character boundary, invalid
// UTF-8 replaced): a receipt must not fail for the sake of its wording.
// Other fields out of range wrap ErrMalformed.
func SignReceipt(r Receipt, hub Identity) ([]byte, error) {
	if hub.IsZero() {
		return nil, errors.New("syncproto: sign receipt: hub identity is zero")
	}
	r.Hub = hub.Public().SignFingerprint()
	r.ReceivedAt = r.ReceivedAt.UTC()
	r.Message = shorten(r.Message, MaxReceiptMessage)
	if err := r.validate(); err != nil {
		return nil, err
	}
	raw, err := marshalReceipt(r)
	if err != nil {
		return nil, err
	}
	sig := ed25519.Sign(hub.sign, receiptMessage(raw))
	out := make([]byte, 0, len(raw)+base64.StdEncoding.EncodedLen(len(sig))+32)
	out = append(out, `{"receipt":`...)
	out = append(out, raw...)
	out = append(out, `,"signature":"`...)
	out = base64.StdEncoding.AppendEncode(out, sig)
	out = append(out, `"}`...)
	return out, nil
}

// VerifyReceipt checks a receipt SignReceipt wrote against hub, the hub's
// Ed25519 key, and returns it. The signature is checked over the receipt
// bytes as received, before they are parsed; they are never re-encoded,
// so a receipt re-ordered or re-spaced by anyone fails.
//
// Errors: over MaxReceiptSize, ErrTooLarge (before parsing); not the
// envelope, ErrMalformed; a signature that does not verify, or a receipt
// naming another hub key, ErrBadSignature; a signed receipt whose fields
// are out of range (the hub itself wrote it wrong), ErrMalformed.
func VerifyReceipt(b []byte, hub ed25519.PublicKey) (Receipt, error) {
	if len(b) > MaxReceiptSize {
		return Receipt{}, errf(ErrTooLarge, "receipt is %d bytes, over %d", len(b), MaxReceiptSize)
	}
	if len(hub) != ed25519.PublicKeySize {
		return Receipt{}, errf(ErrBadSignature, "receipt: hub key is %d bytes, not %d", len(hub), ed25519.PublicKeySize)
	}
	var env signedReceipt
	if err := decodeStrict(b, &env); err != nil {
		return Receipt{}, errf(ErrMalformed, "receipt envelope: %v", err)
	}
	if len(env.Receipt) == 0 || len(env.Signature) != ed25519.SignatureSize {
		return Receipt{}, errf(ErrMalformed, "receipt envelope lacks the receipt or a %d-byte signature", ed25519.SignatureSize)
	}
	if !ed25519.Verify(hub, receiptMessage(env.Receipt), env.Signature) {
		return Receipt{}, errf(ErrBadSignature, "receipt signature does not verify with hub key %s", fingerprint(hub))
	}
	var r Receipt
	if err := decodeStrict(env.Receipt, &r); err != nil {
		return Receipt{}, errf(ErrMalformed, "receipt: %v", err)
	}
	if err := r.validate(); err != nil {
		return Receipt{}, err
	}
	if r.Hub != fingerprint(hub) {
		return Receipt{}, errf(ErrBadSignature, "receipt names hub key %s, signed by %s", r.Hub, fingerprint(hub))
	}
	return r, nil
}

// receiptMessage is what the hub signs: the context, then the raw receipt.
func receiptMessage(raw []byte) []byte {
	m := make([]byte, 0, len(receiptContext)+len(raw))
	return append(append(m, receiptContext...), raw...)
}

// marshalReceipt is the receipt JSON SignReceipt signs: compact, without
// HTML escaping (the message is plain words, not markup).
func marshalReceipt(r Receipt) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, errf(ErrMalformed, "receipt: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// decodeStrict decodes exactly one JSON value from b into v, refusing
// fields v does not have and anything after the value.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the value")
	}
	return nil
}

// shorten makes s valid UTF-8 of at most n bytes, cutting at a character
// boundary.
func shorten(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
