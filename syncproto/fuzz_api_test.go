package syncproto

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"testing"
)

// FuzzVerifyReceipt: VerifyReceipt never panics, every error wraps a
// sentinel, and a receipt it accepts is one the hub signed: its JSON is
// byte for byte a seed's (a fuzzer cannot forge the signature).
func FuzzVerifyReceipt(f *testing.F) {
	hub := testIdentity(f, "hub")
	var signedRaw [][]byte
	for _, st := range []ReceiptStatus{ReceiptApplied, ReceiptHeld, ReceiptQuarantined} {
		r := testReceipt()
		r.Status = st
		b := signT(f, r, hub)
		f.Add(b)
		f.Add(b[:len(b)-10])
		signedRaw = append(signedRaw, rawOf(f, b))
	}
	f.Add([]byte(`{"receipt":null,"signature":""}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := VerifyReceipt(in, hub.Public().Sign)
		if err != nil {
			if !isAPISentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if r != (Receipt{}) {
				t.Fatalf("receipt with an error")
			}
			return
		}
		raw, err := marshalReceipt(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range signedRaw {
			if bytes.Equal(raw, s) {
				return
			}
		}
		t.Fatalf("accepted a receipt the hub never signed: %s", raw)
	})
}

// FuzzReadReturn: ReadReturn never panics, every error wraps a sentinel
// or is none of the format's, and what it accepts writes back to the very
// bytes it read.
func FuzzReadReturn(f *testing.F) {
	for _, withBundle := range []bool{false, true} {
		file, _, _ := testReturn(f, withBundle)
		f.Add(file)
		f.Add(file[:len(file)/2])
	}
	f.Add([]byte(ReturnMagic + "\x01\x00\x01\x00\x00\x00\x02{}\x00"))
	f.Add([]byte(ReturnMagic + "\x01\x00\x01\x00\x00\x00\x01x\x01" + Magic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		receipts, bundle, err := ReadReturn(bytes.NewReader(in), 1<<20)
		if err != nil {
			if !isAPISentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if receipts != nil || bundle != nil {
				t.Fatalf("data with an error")
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteReturn(&buf, receipts, bundle); err != nil {
			t.Fatalf("accepted what it cannot write: %v", err)
		}
		if !bytes.Equal(buf.Bytes(), in) {
			t.Fatalf("does not re-encode to its bytes")
		}
	})
}

// FuzzParseRequestAuth: ParseRequestAuth never panics, refuses with
// ErrUnauthenticated, and accepts only the canonical form of each header
// (so what the signature covers is what was sent).
func FuzzParseRequestAuth(f *testing.F) {
	h, alice := signedHeader(f)
	f.Add(h.Get(HeaderDevice), h.Get(HeaderTime), h.Get(HeaderNonce), h.Get(HeaderSignature))
	f.Add("", "", "", "")
	f.Add("hub", "0", "00000000000000000000000000000000", h.Get(HeaderSignature))
	f.Add(h.Get(HeaderDevice), "+1", h.Get(HeaderNonce), h.Get(HeaderSignature)[:80])
	key := alice.Public().Sign
	f.Fuzz(func(t *testing.T, device, ts, nonce, sig string) {
		h := http.Header{}
		for k, v := range map[string]string{HeaderDevice: device, HeaderTime: ts, HeaderNonce: nonce, HeaderSignature: sig} {
			if v != "" {
				h.Set(k, v)
			}
		}
		a, err := ParseRequestAuth(h)
		if err != nil {
			if !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("error is not ErrUnauthenticated: %v", err)
			}
			return
		}
		if a.Device != device || a.Nonce != nonce || strconv.FormatInt(a.Time.UnixMilli(), 10) != ts {
			t.Fatalf("parsed %+v from %q %q %q", a, device, ts, nonce)
		}
		// Verify must not panic, and must refuse all but the seed.
		err = a.Verify(http.MethodPost, testURI, testBody, key)
		if err == nil && (device != testDevice || sig != signedHeaderSig(t)) {
			t.Fatalf("verified a signature never made")
		}
		if err != nil && !isAPISentinel(err) {
			t.Fatalf("error wraps no sentinel: %v", err)
		}
	})
}

// signedHeaderSig is the signature signedHeader makes.
func signedHeaderSig(t testing.TB) string {
	h, _ := signedHeader(t)
	return h.Get(HeaderSignature)
}
