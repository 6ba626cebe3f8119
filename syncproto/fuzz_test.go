package syncproto

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/jemputbola/jemput/internal/hlc"
)

// fuzzBundles are valid bundles from alice to the hub: the only inputs
// FuzzOpen may see succeed.
func fuzzBundles(f *testing.F) (alice, hub Identity, valid [][]byte) {
	alice, hub = testIdentity(f, "alice"), testIdentity(f, "hub")
	for _, n := range []int{0, 1, 3, 40} {
		ops := syntheticOps(n)
		b, _ := sealT(f, ops, testHeader(ops), alice, hub)
		valid = append(valid, b)
	}
	return alice, hub, valid
}

// FuzzOpen: Open never panics, returns a sentinel error and no ops for
// anything but a byte-identical valid bundle.
func FuzzOpen(f *testing.F) {
	alice, hub, valid := fuzzBundles(f)
	for _, b := range valid {
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte(Magic + "\x01\x00\xd2"))
	f.Add([]byte{})
	o := Opener{Me: hub, Trust: trustOnly(alice.Public()), Limits: Limits{MaxBundleBytes: 1 << 20, MaxBodyBytes: 4 << 20}}
	f.Fuzz(func(t *testing.T, in []byte) {
		h, ops, err := o.Open(bytes.NewReader(in))
		if err != nil {
			if ops != nil || h != (Header{}) {
				t.Fatalf("error %v with %d ops", err, len(ops))
			}
			if !isSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		for _, b := range valid {
			if bytes.Equal(in, b) {
				return
			}
		}
		t.Fatalf("opened a bundle that was never sealed (%d ops)", len(ops))
	})
}

// FuzzPeekHeader: PeekHeader never panics, and a header it accepts is
// valid and re-encodes to the very bytes it read.
func FuzzPeekHeader(f *testing.F) {
	_, _, valid := fuzzBundles(f)
	for _, b := range valid {
		f.Add(b[:200])
		f.Add(b)
	}
	if g, err := os.ReadFile(goldenBundle); err == nil {
		f.Add(g)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := PeekHeader(bytes.NewReader(in))
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("accepted an invalid header: %v", err)
		}
		hb, err := h.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if pre := appendPreamble(nil, hb); !bytes.Equal(pre, in[:len(pre)]) {
			t.Fatalf("header does not re-encode to its bytes")
		}
	})
}

// FuzzSignedBody reaches what the signature shields from FuzzOpen: the
// decompressor, the line reader and the JSON decoder, fed by a trusted
// sender that seals whatever it likes (a stolen or buggy device). With
// compress set, the input is the JSON lines and the harness compresses
// them; otherwise it is the zstd stream itself.
func FuzzSignedBody(f *testing.F) {
	alice, hub := testIdentity(f, "alice"), testIdentity(f, "hub")
	ops := syntheticOps(2)
	var lines []byte
	for _, op := range ops {
		j, _ := json.Marshal(op)
		lines = append(append(lines, j...), '\n')
	}
	f.Add(lines, true)
	f.Add(zstdOf(string(lines)), false)
	f.Add([]byte("{}\n{}\n"), true)
	f.Add([]byte(`{"op_id":"a","base":{"x":"1.2"}}`+"\n{}\n"), true)

	h := testHeader(ops)
	h.SeqFirst, h.SeqLast, h.HLCMin, h.HLCMax = 0, 1<<62, 0, hlc.Max
	o := Opener{Me: hub, Trust: trustOnly(alice.Public()), Limits: Limits{MaxBodyBytes: 1 << 20, MaxOpBytes: 64 << 10}}
	f.Fuzz(func(t *testing.T, body []byte, compress bool) {
		if compress {
			body = zstdOf(string(body))
		}
		_, got, err := o.Open(bytes.NewReader(sealRaw(t, h, body, alice, hub)))
		if err != nil {
			if got != nil || !isSentinel(err) {
				t.Fatalf("ops=%d err=%v", len(got), err)
			}
			return
		}
		if len(got) != int(h.Count) {
			t.Fatalf("%d ops, header says %d", len(got), h.Count)
		}
	})
}
