package syncproto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
)

// seeded is a deterministic rand for keys and ids.
func seeded(label string) *rand.ChaCha8 {
	return rand.NewChaCha8(sha256.Sum256([]byte(label)))
}

// testIdentity is a fixed identity per name.
func testIdentity(tb testing.TB, name string) Identity {
	tb.Helper()
	id, err := NewIdentity(seeded("identity " + name))
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// trustOnly trusts exactly the given public identities, by fingerprint.
func trustOnly(ids ...PublicIdentity) TrustFunc {
	return func(h Header) (ed25519.PublicKey, error) {
		for _, p := range ids {
			if p.SignFingerprint() == h.SenderKey {
				return p.Sign, nil
			}
		}
		return nil, fmt.Errorf("no key %s", h.SenderKey)
	}
}

var (
	testDevice = "0194f3a0-0000-7000-8000-00000000abcd"
	testEpoch  = "00112233445566778899aabbccddeeff"
	testTime   = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	villages   = []string{"64.11.01.2001", "64.11.01.2002", "64.11.02.2001", "64.11.03.2004", "64.11.05.2003"}
)

// syntheticOps makes n create ops of realistic records (about 20 string
// fields each), from testDevice with seq 1..n.
func syntheticOps(n int) []Op {
	g := synth.New(7, testTime, villages)
	r := seeded("ops")
	kinds := []record.Kind{record.KindEKTP, record.KindEKTP, record.KindBirth, record.KindDeath}
	ops := make([]Op, n)
	for i := range ops {
		k := kinds[i%len(kinds)]
		opID, _ := uuid.NewRandomFromReader(r)
		recID, _ := uuid.NewRandomFromReader(r)
		ops[i] = Op{
			OpID:     opID.String(),
			DeviceID: testDevice,
			Seq:      uint64(i + 1),
			HLC:      hlc.New(testTime.UnixMilli()+int64(i)*1500, uint16(i%3)),
			RecordID: recID.String(),
			Kind:     k,
			Action:   ActionCreate,
			Fields:   g.Record(k),
			Meta:     map[string]string{"tracking_code": fmt.Sprintf("MU-%06d", i+1), "officer": "petugas.long.bagun"},
		}
	}
	return ops
}

// testHeader is a header covering ops from testDevice.
func testHeader(ops []Op) Header {
	id, _ := uuid.NewRandomFromReader(seeded(fmt.Sprint("bundle id ", len(ops))))
	h := Header{ID: id.String(), Sender: testDevice, Epoch: testEpoch, CreatedAt: testTime}
	h.Cover(ops)
	return h
}

// sealT seals ops from one identity to another, deterministically.
func sealT(tb testing.TB, ops []Op, h Header, from, to Identity) ([]byte, Sealed) {
	tb.Helper()
	var buf bytes.Buffer
	s, err := Seal(&buf, h, ops, from, to.Public(), seeded("ephemeral "+h.ID))
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), s
}

// parts is a bundle cut at its structure, for tests that rebuild one.
type parts struct {
	pre    []byte
	frames [][]byte // each with its 4-byte word
	sig    []byte
}

func split(tb testing.TB, b []byte) parts {
	tb.Helper()
	var p parts
	hlen := int(binary.BigEndian.Uint16(b[len(Magic)+1:]))
	p.pre, b = b[:preambleSize+hlen], b[preambleSize+hlen:]
	for {
		w := binary.BigEndian.Uint32(b)
		n := frameWordSize + int(w&^frameLast)
		p.frames, b = append(p.frames, b[:n]), b[n:]
		if w&frameLast != 0 {
			break
		}
	}
	p.sig = b[:SignatureSize]
	if len(b) != SignatureSize {
		tb.Fatalf("split: %d bytes after the signature", len(b)-SignatureSize)
	}
	return p
}

// join reassembles p; with signer set, it signs afresh (a trusted sender
// that misbehaves, to reach the layers under the signature).
func (p parts) join(signer *Identity) []byte {
	body := bytes.Join(p.frames, nil)
	sig := p.sig
	if signer != nil {
		d := sha256.Sum256(body)
		sig = ed25519.Sign(signer.sign, signedMessage(p.pre, d[:]))
	}
	return bytes.Join([][]byte{p.pre, body, sig}, nil)
}

func (p parts) withFrames(frames ...[]byte) parts {
	p.frames = frames
	return p
}

// setLast returns a copy of frame f with the last bit set or cleared.
func setLast(f []byte, last bool) []byte {
	f = bytes.Clone(f)
	w := binary.BigEndian.Uint32(f) &^ frameLast
	if last {
		w |= frameLast
	}
	binary.BigEndian.PutUint32(f, w)
	return f
}

var sentinels = []error{ErrBadMagic, ErrUnknownVersion, ErrTruncated, ErrTooLarge, ErrMalformed,
	ErrBadSignature, ErrWrongRecipient, ErrTampered, ErrReplay, ErrUnknownSender}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
