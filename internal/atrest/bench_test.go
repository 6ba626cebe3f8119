package atrest

import (
	"testing"
	"time"
)

func BenchmarkSeal1KiB(b *testing.B) {
	k := newTestKeyring(b)
	pt, aad := make([]byte, 1024), []byte("records/12345/fields")
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Seal(pt, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen1KiB(b *testing.B) {
	k := newTestKeyring(b)
	aad := []byte("records/12345/fields")
	sealed, err := k.Seal(make([]byte, 1024), aad)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlindIndex(b *testing.B) {
	k := newTestKeyring(b)
	b.ReportAllocs()
	for b.Loop() {
		k.BlindIndex("nik", "6411011203850002")
	}
}

// BenchmarkUnwrapDefault is what an officer waits for at unlock, and what
// every passphrase guess costs a thief on the same hardware.
func BenchmarkUnwrapDefault(b *testing.B) {
	k := newTestKeyring(b)
	w, err := k.Wrap(passphrase, DefaultParams(), nil)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for b.Loop() {
		if _, err := Unwrap(w, passphrase); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/unlock")
}
