package atrest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

// fuzzParams are cheap enough to run Argon2 on every accepted input.
var fuzzParams = Params{Time: 1, MemoryKiB: 64, Threads: 1}

func FuzzUnmarshalWrapped(f *testing.F) {
	k := fixedKeyring(f)
	w, err := k.Wrap(passphrase, fuzzParams, &seqReader{})
	if err != nil {
		f.Fatal(err)
	}
	valid, err := w.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:wrappedHeaderSize])
	f.Add([]byte("JKR\x01"))
	f.Add([]byte{})
	f.Add(append(bytes.Clone(valid), 0))

	f.Fuzz(func(t *testing.T, b []byte) {
		var w Wrapped
		if err := w.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		again, err := w.MarshalBinary()
		if err != nil {
			t.Fatalf("accepted input does not marshal: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("round trip changed %x to %x", b, again)
		}
		// Only run Argon2 when it is cheap; bounds are tested elsewhere.
		if uint64(w.Params.Time)*uint64(w.Params.MemoryKiB) > 4096 {
			return
		}
		got, err := Unwrap(w, passphrase)
		switch {
		case err == nil && !bytes.Equal(b, valid):
			t.Fatalf("altered keyring %x unlocked", b)
		case err == nil && got.master != k.master:
			t.Fatal("unlocked to the wrong key")
		case err != nil && !errors.Is(err, ErrWrongPassphrase) && !errors.Is(err, ErrCorrupt):
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func FuzzOpen(f *testing.F) {
	k := fixedKeyring(f)
	aad := []byte("records/1/fields")
	// A fixed blob, not a fresh Seal: fuzz workers are separate processes
	// and must agree on the one input that may open.
	valid, err := hex.DecodeString(goldenSealed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid, aad)
	f.Add(valid, []byte("records/2/fields"))
	f.Add(valid[:sealOverhead], aad)
	f.Add([]byte{1}, []byte{})
	f.Add(make([]byte, sealOverhead), []byte(nil))

	f.Fuzz(func(t *testing.T, sealed, ad []byte) {
		pt, err := k.Open(sealed, ad)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || pt != nil {
				t.Fatalf("Open = %q, %v; want nil, ErrCorrupt", pt, err)
			}
			return
		}
		// Only the blob Seal made, with its own aad, may open.
		if !bytes.Equal(sealed, valid) || !bytes.Equal(ad, aad) {
			t.Fatalf("forged blob %x with aad %q opened to %q", sealed, ad, pt)
		}
		if string(pt) != goldenPlaintext {
			t.Fatalf("opened to %q", pt)
		}
	})
}
