package syncproto

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/hlc"
)

// Format constants. The layout is documented on Encoder.
const (
	// Magic starts every bundle.
	Magic = "JMPTBNDL"
	// Version is the format version this package writes and reads.
	Version = 1

	preambleSize = len(Magic) + 1 + 2 // magic, version, header length

	headerFixedSize = 16 + 16 + 16 + 32 + 32 + 8 + 8 + 8 + 8 + 8 + 4
	// MaxSenderLen bounds Header.Sender, in bytes.
	MaxSenderLen = 64
	// MaxEpochLen bounds Header.Epoch, in bytes (64 hex digits).
	MaxEpochLen = 32
	// MaxHeaderSize bounds the header length field.
	MaxHeaderSize = headerFixedSize + 1 + MaxEpochLen + 1 + MaxSenderLen
	minHeaderSize = headerFixedSize + 1 + 1 + 1 + 1

	// MaxOpsPerBundle bounds Header.Count.
	MaxOpsPerBundle = 1 << 22
)

// Header is the clear part of a bundle: enough to route it, pick the key
// to open it and check its place in the sender's chain without the
// recipient's private key. It is signed, and it is bound into the payload
// key, so it cannot be changed or moved to another body.
type Header struct {
	ID     string // bundle id: a UUID in canonical lowercase form
	Sender string // device id, or "hub"; 1..64 printable ASCII bytes

	SenderKey    Fingerprint // of the sender's Ed25519 key; set by the encoder
	RecipientKey Fingerprint // of the recipient's X25519 key; set by the encoder

	// Epoch is the sender database's random epoch, lowercase hex (2..64
	// digits, even). A restored backup or a forked copy has a different
	// epoch or breaks the Prev chain, so reused seqs are detected.
	Epoch string
	// SeqFirst..SeqLast is the range of the sender's own op log the bundle
	// covers: every op whose DeviceID is Sender has its Seq in it.
	SeqFirst, SeqLast uint64
	// HLCMin..HLCMax holds the HLC of every op in the bundle.
	HLCMin, HLCMax hlc.Timestamp
	// Count is the number of ops in the body. Zero ops: all ranges are zero.
	Count uint32
	// CreatedAt is the sender's clock when it sealed (millisecond
	// precision, UTC). Claimed by the sender; informative only.
	CreatedAt time.Time
	// Prev is the Sum of the sender's previous bundle to this recipient
	// chain, all zero for the first.
	Prev [32]byte
	// Ephemeral is the X25519 public key of this bundle only; set by the
	// encoder.
	Ephemeral [32]byte
}

// Cover sets Count and the seq and HLC ranges to describe ops exactly: the
// seq range from the ops whose DeviceID is h.Sender, so set Sender first.
func (h *Header) Cover(ops []Op) {
	h.Count = uint32(len(ops))
	h.SeqFirst, h.SeqLast, h.HLCMin, h.HLCMax = 0, 0, 0, 0
	seqSet := false
	for i, op := range ops {
		if i == 0 || op.HLC < h.HLCMin {
			h.HLCMin = op.HLC
		}
		h.HLCMax = max(h.HLCMax, op.HLC)
		if op.DeviceID == h.Sender {
			if !seqSet || op.Seq < h.SeqFirst {
				h.SeqFirst = op.Seq
			}
			h.SeqLast = max(h.SeqLast, op.Seq)
			seqSet = true
		}
	}
}

// covers checks that op lies in the ranges h declares.
func (h *Header) covers(op Op) error {
	if op.HLC < h.HLCMin || op.HLC > h.HLCMax {
		return fmt.Errorf("op %s: hlc %s outside the header's range [%s, %s]", op.OpID, op.HLC, h.HLCMin, h.HLCMax)
	}
	if op.DeviceID == h.Sender && (op.Seq < h.SeqFirst || op.Seq > h.SeqLast) {
		return fmt.Errorf("op %s: seq %d outside the header's range [%d, %d]", op.OpID, op.Seq, h.SeqFirst, h.SeqLast)
	}
	return nil
}

// Validate reports the first field out of range, wrapping ErrMalformed.
// The encoder fills SenderKey, RecipientKey and Ephemeral before it
// validates.
func (h Header) Validate() error {
	bad := func(format string, args ...any) error { return errf(ErrMalformed, "header: "+format, args...) }
	if id, err := uuid.Parse(h.ID); err != nil || id.String() != h.ID {
		return bad("id %q is not a canonical UUID", h.ID)
	}
	if n := len(h.Sender); n == 0 || n > MaxSenderLen {
		return bad("sender must be 1..%d bytes", MaxSenderLen)
	}
	for i := 0; i < len(h.Sender); i++ {
		if c := h.Sender[i]; c <= ' ' || c > '~' {
			return bad("sender %q is not printable ASCII", h.Sender)
		}
	}
	if n := len(h.Epoch); n < 2 || n > 2*MaxEpochLen || n%2 != 0 {
		return bad("epoch must be 2..%d hex digits", 2*MaxEpochLen)
	}
	for i := 0; i < len(h.Epoch); i++ {
		if c := h.Epoch[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return bad("epoch %q is not lowercase hex", h.Epoch)
		}
	}
	if h.SenderKey.IsZero() || h.RecipientKey.IsZero() {
		return bad("key fingerprints are unset")
	}
	if h.Ephemeral == [32]byte{} {
		return bad("ephemeral key is unset")
	}
	if h.SeqFirst > h.SeqLast {
		return bad("seq range [%d, %d] is reversed", h.SeqFirst, h.SeqLast)
	}
	if h.HLCMin > h.HLCMax || h.HLCMax > hlc.Max {
		return bad("hlc range [%d, %d] is reversed or beyond hlc.Max", h.HLCMin, h.HLCMax)
	}
	if h.Count > MaxOpsPerBundle {
		return bad("count %d is over %d", h.Count, MaxOpsPerBundle)
	}
	if h.Count == 0 && (h.SeqFirst|h.SeqLast != 0 || h.HLCMin|h.HLCMax != 0) {
		return bad("an empty bundle declares non-zero ranges")
	}
	if h.CreatedAt.IsZero() || h.CreatedAt.UnixMilli() < 0 {
		return bad("created-at is unset or before 1970")
	}
	return nil
}

// normalize rounds what the binary form cannot hold.
func (h Header) normalize() Header {
	h.CreatedAt = time.UnixMilli(h.CreatedAt.UnixMilli()).UTC()
	return h
}

// MarshalBinary validates h and encodes it (the header field of the
// layout on Encoder; without magic, version or length).
func (h Header) MarshalBinary() ([]byte, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	epoch, _ := hex.DecodeString(h.Epoch) // checked by Validate
	id := uuid.MustParse(h.ID)
	b := make([]byte, 0, headerFixedSize+2+len(epoch)+len(h.Sender))
	b = append(b, id[:]...)
	b = append(b, h.SenderKey[:]...)
	b = append(b, h.RecipientKey[:]...)
	b = append(b, h.Ephemeral[:]...)
	b = append(b, h.Prev[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(h.CreatedAt.UnixMilli()))
	b = binary.BigEndian.AppendUint64(b, h.SeqFirst)
	b = binary.BigEndian.AppendUint64(b, h.SeqLast)
	b = binary.BigEndian.AppendUint64(b, uint64(h.HLCMin))
	b = binary.BigEndian.AppendUint64(b, uint64(h.HLCMax))
	b = binary.BigEndian.AppendUint32(b, h.Count)
	b = append(b, byte(len(epoch)))
	b = append(b, epoch...)
	b = append(b, byte(len(h.Sender)))
	b = append(b, h.Sender...)
	return b, nil
}

// UnmarshalBinary decodes the form MarshalBinary writes, and validates it.
// b must be exactly one header: trailing bytes are an error.
func (h *Header) UnmarshalBinary(b []byte) error {
	if len(b) < minHeaderSize {
		return errf(ErrMalformed, "header is %d bytes, under the minimum %d", len(b), minHeaderSize)
	}
	var v Header
	id := uuid.UUID(b[0:16])
	v.ID = id.String()
	v.SenderKey = Fingerprint(b[16:32])
	v.RecipientKey = Fingerprint(b[32:48])
	v.Ephemeral = [32]byte(b[48:80])
	v.Prev = [32]byte(b[80:112])
	ms := int64(binary.BigEndian.Uint64(b[112:]))
	v.SeqFirst = binary.BigEndian.Uint64(b[120:])
	v.SeqLast = binary.BigEndian.Uint64(b[128:])
	v.HLCMin = hlc.Timestamp(binary.BigEndian.Uint64(b[136:]))
	v.HLCMax = hlc.Timestamp(binary.BigEndian.Uint64(b[144:]))
	v.Count = binary.BigEndian.Uint32(b[152:])
	rest := b[headerFixedSize:]
	epoch, rest, ok := cutLen(rest)
	if !ok {
		return errf(ErrMalformed, "header: epoch length runs past the header")
	}
	sender, rest, ok := cutLen(rest)
	if !ok {
		return errf(ErrMalformed, "header: sender length runs past the header")
	}
	if len(rest) != 0 {
		return errf(ErrMalformed, "header: %d bytes after the last field", len(rest))
	}
	v.Epoch = hex.EncodeToString(epoch)
	v.Sender = string(sender)
	if ms < 0 {
		return errf(ErrMalformed, "header: created-at is before 1970")
	}
	v.CreatedAt = time.UnixMilli(ms).UTC()
	if err := v.Validate(); err != nil {
		return err
	}
	*h = v
	return nil
}

// cutLen splits a one-byte length-prefixed field off b.
func cutLen(b []byte) (field, rest []byte, ok bool) {
	if len(b) < 1 || len(b)-1 < int(b[0]) {
		return nil, nil, false
	}
	n := int(b[0])
	return b[1 : 1+n], b[1+n:], true
}

// appendPreamble returns magic, version, header length and header.
func appendPreamble(dst, header []byte) []byte {
	dst = append(dst, Magic...)
	dst = append(dst, Version)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(header)))
	return append(dst, header...)
}

// readPreamble reads magic, version, header length and header from r, and
// returns the decoded header and the exact bytes read (the preamble).
func readPreamble(r io.Reader) (Header, []byte, error) {
	var fixed [preambleSize]byte
	// Read magic and version first so that a short non-bundle says
	// ErrBadMagic rather than ErrTruncated where it can.
	n, err := io.ReadFull(r, fixed[:len(Magic)+1])
	if string(fixed[:min(n, len(Magic))]) != Magic[:min(n, len(Magic))] {
		return Header{}, nil, errf(ErrBadMagic, "starts with %q", fixed[:min(n, len(Magic))])
	}
	if err != nil {
		return Header{}, nil, readErr(err, "magic and version")
	}
	if v := fixed[len(Magic)]; v != Version {
		return Header{}, nil, errf(ErrUnknownVersion, "version %d, this reader knows %d", v, Version)
	}
	if err := readFull(r, fixed[len(Magic)+1:], "header length"); err != nil {
		return Header{}, nil, err
	}
	size := int(binary.BigEndian.Uint16(fixed[len(Magic)+1:]))
	if size > MaxHeaderSize {
		return Header{}, nil, errf(ErrTooLarge, "header length %d is over %d", size, MaxHeaderSize)
	}
	if size < minHeaderSize {
		return Header{}, nil, errf(ErrMalformed, "header length %d is under %d", size, minHeaderSize)
	}
	pre := make([]byte, preambleSize+size)
	copy(pre, fixed[:])
	if err := readFull(r, pre[preambleSize:], "header"); err != nil {
		return Header{}, nil, err
	}
	var h Header
	if err := h.UnmarshalBinary(pre[preambleSize:]); err != nil {
		return Header{}, nil, err
	}
	return h, pre, nil
}

// PeekHeader reads only the preamble and the clear header from r: enough to
// route a bundle, choose the key to open it with, or refuse a replay by
// (Sender, ID) before reading the body. Nothing is authenticated yet: the
// header may be forged until Open or NewDecoder has verified the
// signature, so decide nothing irreversible on it.
func PeekHeader(r io.Reader) (Header, error) {
	h, _, err := readPreamble(r)
	return h, err
}
