package atrest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"runtime"
	"testing"
)

var passphrase = []byte("kopi tubruk di Samarinda 1985")

// wrapped returns a keyring and its wrapped, marshalled form.
func wrapped(t testing.TB, p Params) (*Keyring, []byte) {
	t.Helper()
	k := newTestKeyring(t)
	w, err := k.Wrap(passphrase, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return k, b
}

// sameKeys reports whether two keyrings encrypt and index alike.
func sameKeys(t *testing.T, a, b *Keyring) {
	t.Helper()
	if a.master != b.master || a.Fingerprint() != b.Fingerprint() {
		t.Fatal("keyrings differ")
	}
	s, err := a.Seal([]byte("Siti Aminah"), []byte("records/1/fields"))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := b.Open(s, []byte("records/1/fields")); err != nil || string(pt) != "Siti Aminah" {
		t.Fatalf("Open with the unwrapped keyring = %q, %v", pt, err)
	}
	if !bytes.Equal(a.BlindIndex("nik", "6411011203850002"), b.BlindIndex("nik", "6411011203850002")) {
		t.Fatal("blind indexes differ")
	}
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		ok   bool
	}{
		{"default", DefaultParams(), true},
		{"test", testParams, true},
		{"smallest", Params{Time: 1, MemoryKiB: 8, Threads: 1}, true},
		{"largest", Params{Time: maxTime, MemoryKiB: maxMemoryKiB, Threads: maxThreads}, true},
		{"time 0", Params{Time: 0, MemoryKiB: 8192, Threads: 1}, false},
		{"time 101", Params{Time: 101, MemoryKiB: 8192, Threads: 1}, false},
		{"time max", Params{Time: math.MaxUint32, MemoryKiB: 8192, Threads: 1}, false},
		{"threads 0", Params{Time: 1, MemoryKiB: 8192, Threads: 0}, false},
		{"threads 65", Params{Time: 1, MemoryKiB: 8192, Threads: 65}, false},
		{"threads 255", Params{Time: 1, MemoryKiB: 8192, Threads: 255}, false},
		{"memory 0", Params{Time: 1, MemoryKiB: 0, Threads: 1}, false},
		{"memory below 8 per lane", Params{Time: 1, MemoryKiB: 31, Threads: 4}, false},
		{"memory 1 GiB + 1 KiB", Params{Time: 1, MemoryKiB: maxMemoryKiB + 1, Threads: 1}, false},
		{"memory 4 GiB", Params{Time: 1, MemoryKiB: math.MaxUint32, Threads: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.validate(); (err == nil) != tt.ok {
				t.Fatalf("validate(%+v) = %v, want ok = %v", tt.p, err, tt.ok)
			}
		})
	}
}

func TestDefaultParams(t *testing.T) {
	if got, want := DefaultParams(), (Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}); got != want {
		t.Fatalf("DefaultParams = %+v, want %+v", got, want)
	}
	if testing.Short() {
		t.Skip("64 MiB Argon2 in -short")
	}
	k, b := wrapped(t, DefaultParams())
	var w Wrapped
	if err := w.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if w.Params != DefaultParams() {
		t.Fatalf("params after round trip %+v", w.Params)
	}
	got, err := Unwrap(w, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	sameKeys(t, k, got)
}

func TestWrapUnwrapRoundTrip(t *testing.T) {
	k, b := wrapped(t, testParams)
	if len(b) != wrappedSize {
		t.Fatalf("marshalled length %d, want %d", len(b), wrappedSize)
	}
	if string(b[:4]) != "JKR\x01" {
		t.Fatalf("marshalled prefix %q, want JKR\\x01", b[:4])
	}
	if bytes.Contains(b, k.master[:8]) {
		t.Fatal("wrapped form contains the master key")
	}
	var w Wrapped
	if err := w.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if w.Version != WrappedVersion || w.Params != testParams {
		t.Fatalf("unmarshalled %+v", w)
	}
	again, err := w.MarshalBinary()
	if err != nil || !bytes.Equal(again, b) {
		t.Fatalf("re-marshal differs: %v", err)
	}
	b[len(b)-1] ^= 1 // w must not alias b
	got, err := Unwrap(w, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	sameKeys(t, k, got)
}

func TestRewrap(t *testing.T) {
	k := newTestKeyring(t)
	w1, err := k.Wrap(passphrase, testParams, nil)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := k.Wrap([]byte("new passphrase after training"), testParams, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(w1.Salt, w2.Salt) || bytes.Equal(w1.Nonce, w2.Nonce) {
		t.Fatal("rewrap reused salt or nonce")
	}
	k2, err := Unwrap(w2, []byte("new passphrase after training"))
	if err != nil {
		t.Fatal(err)
	}
	sameKeys(t, k, k2)
	if _, err := Unwrap(w2, passphrase); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase on new wrap: %v, want ErrWrongPassphrase", err)
	}
}

func TestUnwrapWrongPassphrase(t *testing.T) {
	k := newTestKeyring(t)
	w, err := k.Wrap(passphrase, testParams, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pass []byte
	}{
		{"other", []byte("password123")},
		{"empty", nil},
		{"prefix", passphrase[:len(passphrase)-1]},
		{"trailing space", append(bytes.Clone(passphrase), ' ')},
		{"case", bytes.ToUpper(passphrase)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unwrap(w, tt.pass)
			if !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("err = %v, want ErrWrongPassphrase", err)
			}
			if got != nil {
				t.Fatal("keyring returned with an error")
			}
		})
	}
}

func TestWrapRefuses(t *testing.T) {
	k := newTestKeyring(t)
	tests := []struct {
		name string
		pass []byte
		p    Params
		rand io.Reader
	}{
		{"empty passphrase", nil, testParams, nil},
		{"time 0", passphrase, Params{Time: 0, MemoryKiB: 8192, Threads: 1}, nil},
		{"huge memory", passphrase, Params{Time: 1, MemoryKiB: math.MaxUint32, Threads: 1}, nil},
		{"broken randomness", passphrase, testParams, errReader{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := k.Wrap(tt.pass, tt.p, tt.rand); err == nil {
				t.Fatal("Wrap succeeded")
			}
		})
	}
}

// Every byte of the stored form is covered: by the magic and version
// checks, the parameter bounds, the AEAD tag, or the AEAD's associated
// data. None can be changed and still unlock.
func TestWrappedEveryByteFlipped(t *testing.T) {
	_, b := wrapped(t, testParams)
	for i := range b {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			c := bytes.Clone(b)
			c[i] ^= mask
			var w Wrapped
			err := w.UnmarshalBinary(c)
			if err == nil {
				_, err = Unwrap(w, passphrase)
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("byte %d ^ %#02x: err = %v, want ErrCorrupt or ErrWrongPassphrase", i, mask, err)
			}
		}
	}
}

func TestWrappedTruncatedOrExtended(t *testing.T) {
	_, b := wrapped(t, testParams)
	for n := range len(b) {
		var w Wrapped
		if err := w.UnmarshalBinary(b[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d: err = %v, want ErrCorrupt", n, err)
		}
	}
	var w Wrapped
	if err := w.UnmarshalBinary(append(bytes.Clone(b), 0)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("trailing byte: err = %v, want ErrCorrupt", err)
	}
}

func TestUnmarshalFailureLeavesValue(t *testing.T) {
	_, b := wrapped(t, testParams)
	var w Wrapped
	if err := w.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	before := w
	if err := w.UnmarshalBinary(b[:50]); err == nil {
		t.Fatal("truncated input accepted")
	}
	if w.Params != before.Params || !bytes.Equal(w.Sealed, before.Sealed) {
		t.Fatal("failed UnmarshalBinary changed the value")
	}
}

// A file tampered to demand absurd Argon2 cost must be refused before
// Argon2 runs: no multi-GiB allocation, no hang.
func TestTamperedParamsRefusedWithoutAllocating(t *testing.T) {
	_, b := wrapped(t, testParams)
	const timeAt, memAt, threadsAt = 4, 8, 12
	tests := []struct {
		name   string
		tamper func(b []byte)
	}{
		{"memory 4 GiB", func(b []byte) { binary.BigEndian.PutUint32(b[memAt:], math.MaxUint32) }},
		{"memory 2 GiB", func(b []byte) { binary.BigEndian.PutUint32(b[memAt:], 2<<20) }},
		{"time 2^32-1", func(b []byte) { binary.BigEndian.PutUint32(b[timeAt:], math.MaxUint32) }},
		{"time 0", func(b []byte) { binary.BigEndian.PutUint32(b[timeAt:], 0) }},
		{"threads 0", func(b []byte) { b[threadsAt] = 0 }},
		{"threads 255", func(b []byte) { b[threadsAt] = 255 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := bytes.Clone(b)
			tt.tamper(c)

			var w Wrapped
			if err := w.UnmarshalBinary(c); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("UnmarshalBinary err = %v, want ErrCorrupt", err)
			}

			// A caller could also build the struct itself.
			if err := w.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			w.Params.Time = binary.BigEndian.Uint32(c[timeAt:])
			w.Params.MemoryKiB = binary.BigEndian.Uint32(c[memAt:])
			w.Params.Threads = c[threadsAt]
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Unwrap(w, passphrase)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Unwrap err = %v, want ErrCorrupt", err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
				t.Fatalf("Unwrap allocated %d bytes before refusing", n)
			}
		})
	}
}

func TestMalformedStructRefused(t *testing.T) {
	_, b := wrapped(t, testParams)
	var good Wrapped
	if err := good.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(w *Wrapped)
	}{
		{"version 0", func(w *Wrapped) { w.Version = 0 }},
		{"version 2", func(w *Wrapped) { w.Version = 2 }},
		{"short salt", func(w *Wrapped) { w.Salt = w.Salt[:8] }},
		{"no nonce", func(w *Wrapped) { w.Nonce = nil }},
		{"long sealed", func(w *Wrapped) { w.Sealed = append(bytes.Clone(w.Sealed), 0) }},
		{"zero value", func(w *Wrapped) { *w = Wrapped{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := good
			tt.mutate(&w)
			if _, err := w.MarshalBinary(); !errors.Is(err, ErrCorrupt) {
				t.Errorf("MarshalBinary err = %v, want ErrCorrupt", err)
			}
			if _, err := Unwrap(w, passphrase); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Unwrap err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	_, b := wrapped(t, testParams)
	tests := []struct {
		name string
		in   []byte
	}{
		{"nil", nil},
		{"magic only", []byte("JKR")},
		{"other magic", append([]byte("JKS"), b[3:]...)},
		{"version 0", append([]byte("JKR\x00"), b[4:]...)},
		{"version 2", append([]byte("JKR\x02"), b[4:]...)},
		{"all zero", make([]byte, wrappedSize)},
		{"sqlite header", append([]byte("SQLite format 3\x00"), make([]byte, 85)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w Wrapped
			if err := w.UnmarshalBinary(tt.in); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

// A wrapped keyring written by this version must unlock in every later
// one. The blob wraps fixedKeyring (master 00..1f) under passphrase with
// testParams, salt 00..0f and nonce 10..27.
func TestGoldenWrapped(t *testing.T) {
	b, err := hex.DecodeString(goldenWrapped)
	if err != nil {
		t.Fatal(err)
	}
	k := fixedKeyring(t)
	w, err := k.Wrap(passphrase, testParams, &seqReader{})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := w.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, b) {
		t.Errorf("Wrap with fixed randomness = %x, want %x", fresh, b)
	}
	var stored Wrapped
	if err := stored.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	got, err := Unwrap(stored, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	sameKeys(t, k, got)
}

const goldenWrapped = "4a4b5201" + // "JKR", version 1
	"00000001" + "00002000" + "01" + // time 1, memory 8192 KiB, 1 thread
	"000102030405060708090a0b0c0d0e0f" + // salt
	"101112131415161718191a1b1c1d1e1f2021222324252627" + // nonce
	"83ca79536cd73540fcd17a127dc5894b795139ed82a5ad6b3657b65ff39cc0f04c1fea065d4390f99e9966dc75b3aad2" // sealed master key
