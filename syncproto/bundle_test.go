package syncproto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/jemputbola/jemput/internal/hlc"
)

func TestRoundTrip(t *testing.T) {
	alice, hub := testIdentity(t, "alice"), testIdentity(t, "hub")
	for _, tc := range []struct {
		name      string
		n         int
		minChunks int
	}{
		{"empty", 0, 1},
		{"one op", 1, 1},
		{"10k ops", 10_000, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := syntheticOps(tc.n)
			b, sealed := sealT(t, ops, testHeader(ops), alice, hub)
			if got := len(split(t, b).frames); got < tc.minChunks {
				t.Errorf("%d chunks, want at least %d", got, tc.minChunks)
			}
			if sealed.Size != int64(len(b)) || sealed.Sum != sha256.Sum256(b) {
				t.Errorf("Sealed size/sum do not describe the bytes written")
			}

			h, got, err := Open(bytes.NewReader(b), hub, trustOnly(alice.Public()))
			if err != nil {
				t.Fatal(err)
			}
			if h != sealed.Header {
				t.Errorf("header\n got %+v\nwant %+v", h, sealed.Header)
			}
			if len(got) != len(ops) || (len(ops) > 0 && !reflect.DeepEqual(got, ops)) {
				t.Fatalf("ops differ after the round trip (%d, want %d)", len(got), len(ops))
			}

			// The streaming decoder gives the same, and the same Sum.
			o := Opener{Me: hub, Trust: trustOnly(alice.Public())}
			d, err := o.NewDecoder(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			for i := 0; ; i++ {
				op, err := d.Next()
				if err == io.EOF {
					if i != len(ops) {
						t.Fatalf("EOF after %d ops, want %d", i, len(ops))
					}
					break
				}
				if err != nil || !reflect.DeepEqual(op, ops[i]) {
					t.Fatalf("op %d: %v", i, err)
				}
			}
			if d.Sum() != sealed.Sum || d.Size() != sealed.Size {
				t.Errorf("decoder Sum/Size differ from the encoder's")
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	alice, hub := testIdentity(t, "alice"), testIdentity(t, "hub")
	ops := syntheticOps(200)
	a, _ := sealT(t, ops, testHeader(ops), alice, hub)
	b, _ := sealT(t, ops, testHeader(ops), alice, hub)
	if !bytes.Equal(a, b) {
		t.Fatal("same inputs and rand gave different bundles")
	}
}

// small is a three-op bundle from alice to hub for the refusal tests.
func small(t *testing.T) (b []byte, alice, hub Identity, o Opener) {
	alice, hub = testIdentity(t, "alice"), testIdentity(t, "hub")
	ops := syntheticOps(3)
	b, _ = sealT(t, ops, testHeader(ops), alice, hub)
	return b, alice, hub, Opener{Me: hub, Trust: trustOnly(alice.Public())}
}

func TestFlipEveryBit(t *testing.T) {
	b, _, _, o := small(t)
	for i := range b {
		for bit := range 8 {
			m := bytes.Clone(b)
			m[i] ^= 1 << bit
			_, ops, err := o.Open(bytes.NewReader(m))
			if err == nil || ops != nil || !isSentinel(err) {
				t.Fatalf("byte %d bit %d: ops=%d err=%v", i, bit, len(ops), err)
			}
		}
	}
}

func TestTruncateEveryLength(t *testing.T) {
	b, _, _, o := small(t)
	for n := range len(b) {
		_, ops, err := o.Open(bytes.NewReader(b[:n]))
		if ops != nil || !(errors.Is(err, ErrTruncated) || errors.Is(err, ErrBadSignature) || errors.Is(err, ErrTampered)) {
			t.Fatalf("cut at %d of %d: ops=%d err=%v", n, len(b), len(ops), err)
		}
	}
	_, ops, err := o.Open(bytes.NewReader(append(bytes.Clone(b), 0)))
	if ops != nil || !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing byte: ops=%d err=%v", len(ops), err)
	}
}

// TestChunkSurgery reorders, drops and re-flags chunks. Unsigned, the
// signature catches it; re-signed by the (misbehaving) sender, the STREAM
// nonces still do.
func TestChunkSurgery(t *testing.T) {
	alice, hub := testIdentity(t, "alice"), testIdentity(t, "hub")
	ops := syntheticOps(6000)
	b, _ := sealT(t, ops, testHeader(ops), alice, hub)
	p := split(t, b)
	if len(p.frames) < 3 {
		t.Fatalf("want at least 3 chunks, have %d", len(p.frames))
	}
	f, n := p.frames, len(p.frames)
	cat := func(fs ...[][]byte) [][]byte {
		var out [][]byte
		for _, x := range fs {
			out = append(out, x...)
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		frames   [][]byte
		resigned error // want when re-signed
	}{
		{"swap first two", cat(f[1:2], f[0:1], f[2:]), ErrTampered},
		{"drop a middle chunk", cat(f[:1], f[2:]), ErrTampered},
		{"repeat a chunk", cat(f[:2], f[1:]), ErrTampered},
		{"drop the last, flag the one before", cat(f[:n-2], [][]byte{setLast(f[n-2], true)}), ErrTampered},
		{"first chunk flagged last, rest dropped", [][]byte{setLast(f[0], true)}, ErrTampered},
		{"last chunk moved first", cat(f[n-1:], f[:n-1]), ErrBadSignature}, // ends the body early
		{"last flag cleared", cat(f[:n-1], [][]byte{setLast(f[n-1], false)}), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := p.withFrames(tc.frames...)
			o := Opener{Me: hub, Trust: trustOnly(alice.Public())}
			_, got, err := o.Open(bytes.NewReader(q.join(nil)))
			if got != nil || err == nil || !isSentinel(err) {
				t.Errorf("as is: ops=%d err=%v", len(got), err)
			}
			if !errors.Is(err, ErrBadSignature) && !errors.Is(err, tc.resigned) {
				t.Errorf("as is: %v, want ErrBadSignature", err)
			}
			_, got, err = o.Open(bytes.NewReader(q.join(&alice)))
			if got != nil || !errors.Is(err, tc.resigned) {
				t.Errorf("re-signed: ops=%d err=%v, want %v", len(got), err, tc.resigned)
			}
		})
	}
}

func TestWrongRecipient(t *testing.T) {
	alice, hub, bob := testIdentity(t, "alice"), testIdentity(t, "hub"), testIdentity(t, "bob")
	ops := syntheticOps(3)
	b, sealed := sealT(t, ops, testHeader(ops), alice, bob)
	called := false
	trust := func(Header) (ed25519.PublicKey, error) { called = true; return alice.Public().Sign, nil }
	cr := &countingReader{r: bytes.NewReader(b)}
	_, got, err := Open(cr, hub, trust)
	if !errors.Is(err, ErrWrongRecipient) || got != nil {
		t.Fatalf("ops=%d err=%v, want ErrWrongRecipient", len(got), err)
	}
	hb, _ := sealed.Header.MarshalBinary()
	if called || cr.n != preambleSize+len(hb) {
		t.Errorf("read %d bytes (header is %d), trust called %v: want refusal from the header alone", cr.n, preambleSize+len(hb), called)
	}
}

func TestSenderRefusals(t *testing.T) {
	b, alice, hub, _ := small(t)
	mallory := testIdentity(t, "mallory")
	p := split(t, b)

	// Mallory signs alice's bundle (header unchanged: it names alice's key).
	forged := p
	d := sha256.Sum256(bytes.Join(p.frames, nil))
	forged.sig = ed25519.Sign(mallory.sign, signedMessage(p.pre, d[:]))

	// Mallory re-addresses the header to herself and signs: the header is
	// bound into the payload key, so even a trusted mallory opens nothing.
	var h Header
	if err := h.UnmarshalBinary(p.pre[preambleSize:]); err != nil {
		t.Fatal(err)
	}
	h.Sender, h.SenderKey = "mallory", mallory.Public().SignFingerprint()
	hb, _ := h.MarshalBinary()
	stolen := p
	stolen.pre = appendPreamble(nil, hb)

	for _, tc := range []struct {
		name  string
		input []byte
		trust TrustFunc
		want  error
	}{
		{"signed by another key", forged.join(nil), trustOnly(alice.Public()), ErrBadSignature},
		{"trust refuses", b, trustOnly(mallory.Public()), ErrUnknownSender},
		{"trust returns another key", b, func(Header) (ed25519.PublicKey, error) { return mallory.Public().Sign, nil }, ErrUnknownSender},
		{"trust returns a bad key", b, func(Header) (ed25519.PublicKey, error) { return ed25519.PublicKey{1, 2}, nil }, ErrUnknownSender},
		{"body re-signed under another sender", stolen.join(&mallory), trustOnly(alice.Public(), mallory.Public()), ErrTampered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, err := Open(bytes.NewReader(tc.input), hub, tc.trust)
			if got != nil || !errors.Is(err, tc.want) {
				t.Errorf("ops=%d err=%v, want %v", len(got), err, tc.want)
			}
		})
	}
}

func TestHeaderSwap(t *testing.T) {
	alice, hub := testIdentity(t, "alice"), testIdentity(t, "hub")
	opsA, opsB := syntheticOps(3), syntheticOps(5)
	a, _ := sealT(t, opsA, testHeader(opsA), alice, hub)
	b, _ := sealT(t, opsB, testHeader(opsB), alice, hub)
	pa, pb := split(t, a), split(t, b)
	swapped := parts{pre: pa.pre, frames: pb.frames, sig: pb.sig}
	o := Opener{Me: hub, Trust: trustOnly(alice.Public())}

	if _, got, err := o.Open(bytes.NewReader(swapped.join(nil))); got != nil || !errors.Is(err, ErrBadSignature) {
		t.Errorf("A's header on B's body: ops=%d err=%v, want ErrBadSignature", len(got), err)
	}
	// Even signed by the sender, the payload key depends on the header.
	if _, got, err := o.Open(bytes.NewReader(swapped.join(&alice))); got != nil || !errors.Is(err, ErrTampered) {
		t.Errorf("re-signed: ops=%d err=%v, want ErrTampered", len(got), err)
	}
}

func TestPreambleRefusals(t *testing.T) {
	b, _, _, o := small(t)
	edit := func(f func(m []byte) []byte) []byte { return f(bytes.Clone(b)) }
	for _, tc := range []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty", nil, ErrTruncated},
		{"bad magic", edit(func(m []byte) []byte { m[0] = 'X'; return m }), ErrBadMagic},
		{"short bad magic", []byte("JMPX"), ErrBadMagic},
		{"not a bundle", []byte("PK\x03\x04 a zip file, say"), ErrBadMagic},
		{"unknown version", edit(func(m []byte) []byte { m[8] = 2; return m }), ErrUnknownVersion},
		{"version zero", edit(func(m []byte) []byte { m[8] = 0; return m }), ErrUnknownVersion},
		{"header length huge", edit(func(m []byte) []byte { binary.BigEndian.PutUint16(m[9:], 0xffff); return m }), ErrTooLarge},
		{"header length tiny", edit(func(m []byte) []byte { binary.BigEndian.PutUint16(m[9:], 3); return m }), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, err := o.Open(bytes.NewReader(tc.input))
			if got != nil || !errors.Is(err, tc.want) {
				t.Errorf("ops=%d err=%v, want %v", len(got), err, tc.want)
			}
			if _, err := PeekHeader(bytes.NewReader(tc.input)); !errors.Is(err, tc.want) {
				t.Errorf("PeekHeader: %v, want %v", err, tc.want)
			}
		})
	}
}

// hugeFrame is a valid preamble followed by a frame word claiming
// 2 GiB, then a reader that never ends: a decoder that trusted the
// length would allocate it.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestOversizedLengths(t *testing.T) {
	b, _, _, o := small(t)
	p := split(t, b)
	var ms runtime.MemStats
	measure := func(f func()) uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		f()
		runtime.ReadMemStats(&ms)
		return ms.TotalAlloc - before
	}
	for _, tc := range []struct {
		name string
		word uint32
		want error
	}{
		{"frame of 2 GiB", 0x7fffffff, ErrTooLarge},
		{"last frame of 2 GiB", 0xffffffff, ErrTooLarge},
		{"frame one over", maxSealedChunk + 1, ErrTooLarge},
		{"frame under a tag", 5, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var word [4]byte
			binary.BigEndian.PutUint32(word[:], tc.word)
			var err error
			alloc := measure(func() {
				_, _, err = o.Open(io.MultiReader(bytes.NewReader(p.pre), bytes.NewReader(word[:]), endless{}))
			})
			if !errors.Is(err, tc.want) {
				t.Errorf("err=%v, want %v", err, tc.want)
			}
			if alloc > 1<<20 {
				t.Errorf("allocated %d bytes before refusing", alloc)
			}
		})
	}

	// A stream of full chunks that never ends stops at MaxBundleBytes.
	full := setLast(p.frames[0], false)
	binary.BigEndian.PutUint32(full, maxSealedChunk)
	small := o
	small.MaxBundleBytes = 1 << 20
	var err error
	alloc := measure(func() {
		_, _, err = small.Open(io.MultiReader(bytes.NewReader(p.pre), &repeatFrame{word: full[:4]}))
	})
	t.Logf("endless chunks: refused after %d bytes allocated", alloc)
	if !errors.Is(err, ErrTooLarge) || alloc > 2<<20 {
		t.Errorf("endless chunks: err=%v after %d bytes allocated, want ErrTooLarge under 2 MiB", err, alloc)
	}
}

// repeatFrame yields full-size frames forever.
type repeatFrame struct {
	word []byte
	left int
}

func (r *repeatFrame) Read(p []byte) (int, error) {
	if r.left == 0 {
		n := copy(p, r.word)
		if n == len(r.word) {
			r.left = maxSealedChunk
		}
		return n, nil
	}
	n := min(len(p), r.left)
	clear(p[:n])
	r.left -= n
	return n, nil
}

func TestLimits(t *testing.T) {
	alice, hub := testIdentity(t, "alice"), testIdentity(t, "hub")
	ops := syntheticOps(2000)
	b, _ := sealT(t, ops, testHeader(ops), alice, hub)
	for _, tc := range []struct {
		name string
		lim  Limits
	}{
		{"bundle", Limits{MaxBundleBytes: int64(len(b)) - 1}},
		{"body", Limits{MaxBodyBytes: 100_000}},
		{"op", Limits{MaxOpBytes: 200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Opener{Me: hub, Trust: trustOnly(alice.Public()), Limits: tc.lim}
			if _, got, err := o.Open(bytes.NewReader(b)); got != nil || !errors.Is(err, ErrTooLarge) {
				t.Errorf("ops=%d err=%v, want ErrTooLarge", len(got), err)
			}
		})
	}
	o := Opener{Me: hub, Trust: trustOnly(alice.Public()), Limits: Limits{MaxBundleBytes: int64(len(b))}}
	if _, _, err := o.Open(bytes.NewReader(b)); err != nil {
		t.Errorf("at exactly the limit: %v", err)
	}
}

// sealRaw writes a correctly sealed and signed bundle whose body plaintext
// (the zstd stream) is given: what a buggy or hostile but trusted sender
// could send.
func sealRaw(t testing.TB, h Header, plain []byte, from, to Identity) []byte {
	t.Helper()
	var seed [32]byte
	seed[0] = 9
	var buf bytes.Buffer
	e, err := NewEncoder(&buf, h, from, to.Public(), bytes.NewReader(seed[:]))
	if err != nil {
		t.Fatal(err)
	}
	pre := bytes.Clone(buf.Bytes())
	buf.Reset()
	if _, err := e.cw.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := e.cw.Close(); err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256(buf.Bytes())
	return bytes.Join([][]byte{pre, buf.Bytes(), ed25519.Sign(from.sign, signedMessage(pre, d[:]))}, nil)
}

var testZstd, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))

func zstdOf(s string) []byte { return testZstd.EncodeAll([]byte(s), nil) }

// TestSignedButMalformedBody: behind a valid signature, a body that breaks
// the format is still refused whole.
func TestSignedButMalformedBody(t *testing.T) {
	alice, hub := testIdentity(t, "alice"), testIdentity(t, "hub")
	ops := syntheticOps(2)
	h := testHeader(ops)
	line := func(op Op) string {
		j, err := json.Marshal(op)
		if err != nil {
			t.Fatal(err)
		}
		return string(j) + "\n"
	}
	good := line(ops[0]) + line(ops[1])
	outside := ops[1]
	outside.HLC = h.HLCMax + 1
	otherSeq := ops[1]
	otherSeq.Seq = 99
	for _, tc := range []struct {
		name  string
		plain []byte
		want  error
	}{
		{"control: well formed", zstdOf(good), nil},
		{"not zstd", []byte(good), ErrMalformed},
		{"not JSON", zstdOf(line(ops[0]) + "{not json}\n"), ErrMalformed},
		{"unknown field", zstdOf(line(ops[0]) + `{"op_id":"x","surprise":1}` + "\n"), ErrMalformed},
		{"two values on a line", zstdOf(line(ops[0]) + "{} {}\n"), ErrMalformed},
		{"blank line", zstdOf(line(ops[0]) + "\n" + line(ops[1])), ErrMalformed},
		{"no final newline", zstdOf(strings.TrimSuffix(good, "\n")), ErrMalformed},
		{"fewer ops than count", zstdOf(line(ops[0])), ErrMalformed},
		{"more ops than count", zstdOf(good + line(ops[1])), ErrMalformed},
		{"hlc outside range", zstdOf(line(ops[0]) + line(outside)), ErrMalformed},
		{"seq outside range", zstdOf(line(ops[0]) + line(otherSeq)), ErrMalformed},
		{"zstd bomb", zstdOf(line(ops[0]) + strings.Repeat(" ", 2<<20) + line(ops[1])), ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := sealRaw(t, h, tc.plain, alice, hub)
			o := Opener{Me: hub, Trust: trustOnly(alice.Public()), Limits: Limits{MaxBodyBytes: 1 << 20}}
			_, got, err := o.Open(bytes.NewReader(b))
			if tc.want == nil {
				if err != nil || !reflect.DeepEqual(got, ops) {
					t.Fatalf("control: ops=%d err=%v", len(got), err)
				}
				return
			}
			if got != nil || !errors.Is(err, tc.want) {
				t.Errorf("ops=%d err=%v, want %v", len(got), err, tc.want)
			}
		})
	}
}

func TestEncoderRefusals(t *testing.T) {
	alice, hub := testIdentity(t, "alice"), testIdentity(t, "hub")
	ops := syntheticOps(3)
	h := testHeader(ops)
	seal := func(h Header, ops []Op) error {
		_, err := Seal(io.Discard, h, ops, alice, hub.Public(), seeded("e"))
		return err
	}
	late := append([]Op(nil), ops...)
	late[2].HLC = h.HLCMax + 1
	huge := append([]Op(nil), ops...)
	huge[0].Fields = map[string]string{"photo": strings.Repeat("A", DefaultMaxOpBytes)}
	for _, tc := range []struct {
		name string
		h    Header
		ops  []Op
		want error
	}{
		{"fewer ops than count", h, ops[:2], ErrMalformed},
		{"more ops than count", h, append(append([]Op(nil), ops...), ops[0]), ErrMalformed},
		{"op outside hlc range", h, late, ErrMalformed},
		{"op over MaxOpBytes", h, huge, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := seal(tc.h, tc.ops); !errors.Is(err, tc.want) {
				t.Errorf("err=%v, want %v", err, tc.want)
			}
		})
	}
	if _, err := Seal(io.Discard, h, ops, Identity{}, hub.Public(), seeded("e")); err == nil {
		t.Error("sealed with a zero identity")
	}
	if _, err := Seal(io.Discard, h, ops, alice, PublicIdentity{}, seeded("e")); err == nil {
		t.Error("sealed to a zero recipient")
	}
	if _, err := Seal(io.Discard, h, ops, alice, hub.Public(), bytes.NewReader(nil)); err == nil {
		t.Error("sealed with an empty rand")
	}
}

// TestEncoderSizeLimit: an encoder stops at the bundle limit with
// ErrTooLarge, rather than write what no default decoder would open.
func TestEncoderSizeLimit(t *testing.T) {
	alice, hub := testIdentity(t, "alice"), testIdentity(t, "hub")
	ops := syntheticOps(50)
	r := seeded("noise")
	for i := range ops {
		noise := make([]byte, 8<<10)
		r.Read(noise)
		ops[i].Fields["photo"] = hex.EncodeToString(noise) // incompressible enough
	}
	e, err := NewEncoder(io.Discard, testHeader(ops), alice, hub.Public(), seeded("e"))
	if err != nil {
		t.Fatal(err)
	}
	e.out.limit = 200_000
	for _, op := range ops {
		if err = e.Encode(op); err != nil {
			break
		}
	}
	if err == nil {
		err = e.Close()
	}
	if !errors.Is(err, ErrTooLarge) || e.Size() > 200_000 {
		t.Fatalf("err=%v after %d bytes, want ErrTooLarge within the limit", err, e.Size())
	}
	if err := e.Close(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Close after the failure: %v", err)
	}
}

func TestHeaderValidate(t *testing.T) {
	ops := syntheticOps(3)
	base := testHeader(ops)
	base.SenderKey, base.RecipientKey, base.Ephemeral = Fingerprint{1}, Fingerprint{2}, [32]byte{3}
	if err := base.Validate(); err != nil {
		t.Fatalf("base header: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(h *Header)
	}{
		{"id not a uuid", func(h *Header) { h.ID = "bundle-1" }},
		{"id upper case", func(h *Header) { h.ID = strings.ToUpper(h.ID) }},
		{"id with urn", func(h *Header) { h.ID = "urn:uuid:" + h.ID }},
		{"no sender", func(h *Header) { h.Sender = "" }},
		{"sender too long", func(h *Header) { h.Sender = strings.Repeat("d", MaxSenderLen+1) }},
		{"sender with space", func(h *Header) { h.Sender = "a b" }},
		{"sender not ASCII", func(h *Header) { h.Sender = "hub\u00e9" }},
		{"no epoch", func(h *Header) { h.Epoch = "" }},
		{"odd epoch", func(h *Header) { h.Epoch = "abc" }},
		{"upper-case epoch", func(h *Header) { h.Epoch = "ABCD" }},
		{"epoch too long", func(h *Header) { h.Epoch = strings.Repeat("ab", MaxEpochLen+1) }},
		{"no sender key", func(h *Header) { h.SenderKey = Fingerprint{} }},
		{"no recipient key", func(h *Header) { h.RecipientKey = Fingerprint{} }},
		{"no ephemeral", func(h *Header) { h.Ephemeral = [32]byte{} }},
		{"seq reversed", func(h *Header) { h.SeqFirst, h.SeqLast = 5, 4 }},
		{"hlc reversed", func(h *Header) { h.HLCMin, h.HLCMax = 5, 4 }},
		{"hlc beyond max", func(h *Header) { h.HLCMax = hlc.Max + 1 }},
		{"count too big", func(h *Header) { h.Count = MaxOpsPerBundle + 1 }},
		{"empty with ranges", func(h *Header) { h.Count = 0 }},
		{"no created-at", func(h *Header) { h.CreatedAt = h.CreatedAt.AddDate(-3000, 0, 0) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := base
			tc.edit(&h)
			if err := h.Validate(); !errors.Is(err, ErrMalformed) {
				t.Errorf("Validate: %v, want ErrMalformed", err)
			}
			if _, err := h.MarshalBinary(); err == nil {
				t.Errorf("MarshalBinary accepted it")
			}
		})
	}
}

func TestHeaderBinaryRoundTrip(t *testing.T) {
	h := testHeader(syntheticOps(4))
	h.SenderKey, h.RecipientKey, h.Ephemeral, h.Prev = Fingerprint{1}, Fingerprint{2}, [32]byte{3}, [32]byte{4}
	b, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var g Header
	if err := g.UnmarshalBinary(b); err != nil || g != h {
		t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, g, h)
	}
	if err := g.UnmarshalBinary(append(b, 0)); !errors.Is(err, ErrMalformed) {
		t.Errorf("trailing byte: %v", err)
	}
	for n := range len(b) {
		if err := g.UnmarshalBinary(b[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("cut at %d: %v", n, err)
		}
	}
}

func TestPeekHeader(t *testing.T) {
	b, _, _, _ := small(t)
	cr := &countingReader{r: bytes.NewReader(b)}
	h, err := PeekHeader(cr)
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := h.MarshalBinary()
	if cr.n != preambleSize+len(hb) || h.Sender != testDevice || h.Count != 3 {
		t.Errorf("read %d bytes, header %+v", cr.n, h)
	}
}

func TestIdentityStorage(t *testing.T) {
	id := testIdentity(t, "alice")
	b, err := id.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Identity
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Public(), id.Public()) {
		t.Error("identity changed in storage")
	}
	if err := back.UnmarshalBinary(b[:len(b)-1]); err == nil {
		t.Error("short identity accepted")
	}
	if _, err := (Identity{}).MarshalBinary(); err == nil {
		t.Error("zero identity marshalled")
	}
	txt, err := id.Public().MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var pub PublicIdentity
	if err := pub.UnmarshalText(txt); err != nil || !reflect.DeepEqual(pub, id.Public()) {
		t.Errorf("public identity text round trip: %v", err)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", id, id, id, id); strings.Contains(s, hex.EncodeToString(id.sign.Seed())) ||
		strings.Contains(s, hex.EncodeToString(id.box.Bytes())) || strings.Contains(s, fmt.Sprint(id.sign.Seed()[:4])) {
		t.Errorf("formatting an identity shows a secret: %s", s)
	}
	if fp := id.Public().BoxFingerprint().String(); len(fp) != 32 {
		t.Errorf("fingerprint %q", fp)
	}
	var fp Fingerprint
	if err := fp.UnmarshalText([]byte(id.Public().SignFingerprint().String())); err != nil || fp != id.Public().SignFingerprint() {
		t.Errorf("fingerprint text round trip: %v", err)
	}
}

// TestConcurrent seals and opens from many goroutines: the pooled
// compressors must not leak state between bundles (run with -race).
func TestConcurrent(t *testing.T) {
	alice, hub := testIdentity(t, "alice"), testIdentity(t, "hub")
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			ops := syntheticOps(50 + 37*g)
			var buf bytes.Buffer
			for range 5 {
				buf.Reset()
				if _, err := Seal(&buf, testHeader(ops), ops, alice, hub.Public(), seeded(fmt.Sprint(g))); err != nil {
					errs <- err
					return
				}
				_, got, err := Open(bytes.NewReader(buf.Bytes()), hub, trustOnly(alice.Public()))
				if err == nil && !reflect.DeepEqual(got, ops) {
					err = errors.New("ops differ")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
