package atrest

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// testParams keeps Argon2 cheap in tests; DefaultParams is tested once.
var testParams = Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}

// seqReader is a deterministic "random" source: 0, 1, 2, ... from start.
type seqReader struct{ next byte }

func (r *seqReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.next
		r.next++
	}
	return len(p), nil
}

// errReader fails every read, like a broken entropy source.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func newTestKeyring(t testing.TB) *Keyring {
	t.Helper()
	k, err := NewKeyring(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixedKeyring has master key 00 01 02 ... 1f; golden values depend on it.
func fixedKeyring(t testing.TB) *Keyring {
	t.Helper()
	k, err := NewKeyring(&seqReader{})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNewKeyringRandomness(t *testing.T) {
	a, b := newTestKeyring(t), newTestKeyring(t)
	if a.master == b.master {
		t.Fatal("two new keyrings share a master key")
	}
	if _, err := NewKeyring(errReader{}); err == nil {
		t.Fatal("NewKeyring succeeded with a failing random source")
	}
	if _, err := NewKeyring(strings.NewReader("short")); err == nil {
		t.Fatal("NewKeyring succeeded with a short random source")
	}
}

func TestSubkeysIndependent(t *testing.T) {
	k := fixedKeyring(t)
	data, err := hkdf.Key(sha256.New, k.master[:], nil, infoData, keySize)
	if err != nil {
		t.Fatal(err)
	}
	keys := [][]byte{k.master[:], data, k.indexKey}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if bytes.Equal(keys[i], keys[j]) {
				t.Errorf("keys %d and %d are equal", i, j)
			}
		}
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	k := newTestKeyring(t)
	tests := []struct {
		name      string
		plaintext []byte
		aad       []byte
	}{
		{"empty plaintext", []byte{}, []byte("records/1/fields")},
		{"nil plaintext", nil, []byte("records/1/fields")},
		{"nik", []byte("6411011203850002"), []byte("records/1/nik")},
		{"no aad", []byte("x"), nil},
		{"1 KiB", bytes.Repeat([]byte{0xa5}, 1024), []byte("records/2/fields")},
		{"1 MiB", bytes.Repeat([]byte("Siti Aminah "), 1<<20/12), []byte("records/3/photo")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := k.Seal(tt.plaintext, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(sealed), len(tt.plaintext)+sealOverhead; got != want {
				t.Errorf("sealed length %d, want %d", got, want)
			}
			if sealed[0] != sealVersion {
				t.Errorf("version byte %d, want %d", sealed[0], sealVersion)
			}
			got, err := k.Open(sealed, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Open = %q, want %q", got, tt.plaintext)
			}
			if got == nil {
				t.Error("Open returned nil for a successful open")
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	k := newTestKeyring(t)
	aad := []byte("records/7/fields")
	sealed, err := k.Seal([]byte(`{"nik":"6411011203850002","name":"Siti Aminah"}`), aad)
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(sealed)) }
	tests := []struct {
		name   string
		keys   *Keyring
		sealed []byte
		aad    []byte
	}{
		{"swapped to another row", k, sealed, []byte("records/8/fields")},
		{"swapped to another column", k, sealed, []byte("records/7/notes")},
		{"aad dropped", k, sealed, nil},
		{"aad extended", k, sealed, []byte("records/7/fields/")},
		{"another keyring", newTestKeyring(t), sealed, aad},
		{"version 0", k, with(func(b []byte) []byte { b[0] = 0; return b }), aad},
		{"version 2", k, with(func(b []byte) []byte { b[0] = 2; return b }), aad},
		{"trailing byte", k, append(bytes.Clone(sealed), 0), aad},
		{"tag dropped", k, sealed[:len(sealed)-tagSize], aad},
		{"nonce only", k, sealed[:1+nonceSize], aad},
		{"empty", k, []byte{}, aad},
		{"nil", k, nil, aad},
		{"all zero, minimum length", k, make([]byte, sealOverhead), aad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.keys.Open(tt.sealed, tt.aad)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open err = %v, want ErrCorrupt", err)
			}
			if got != nil {
				t.Errorf("Open returned %q with an error", got)
			}
		})
	}
}

func TestOpenEveryBitFlipped(t *testing.T) {
	k := newTestKeyring(t)
	aad := []byte("records/1/fields")
	for _, pt := range [][]byte{{}, []byte("6411011203850002")} {
		sealed, err := k.Seal(pt, aad)
		if err != nil {
			t.Fatal(err)
		}
		for i := range sealed {
			for bit := range 8 {
				b := bytes.Clone(sealed)
				b[i] ^= 1 << bit
				if _, err := k.Open(b, aad); !errors.Is(err, ErrCorrupt) {
					t.Fatalf("len %d: byte %d bit %d flipped: err = %v, want ErrCorrupt", len(pt), i, bit, err)
				}
			}
		}
	}
}

func TestOpenTruncatedEveryLength(t *testing.T) {
	k := newTestKeyring(t)
	aad := []byte("records/1/fields")
	sealed, err := k.Seal([]byte("6411011203850002"), aad)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(sealed) {
		if _, err := k.Open(sealed[:n], aad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d bytes: err = %v, want ErrCorrupt", n, err)
		}
		// Dropping bytes from the front must fail too.
		if _, err := k.Open(sealed[len(sealed)-n:], aad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("last %d bytes: err = %v, want ErrCorrupt", n, err)
		}
	}
}

func TestSealIsRandomised(t *testing.T) {
	k := newTestKeyring(t)
	pt, aad := []byte("6411011203850002"), []byte("records/1/nik")
	a, err := k.Seal(pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.Seal(pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are equal")
	}
	if bytes.Equal(a[1:1+nonceSize], b[1:1+nonceSize]) {
		t.Fatal("two seals share a nonce")
	}
}

func TestSealHidesPlaintext(t *testing.T) {
	k := newTestKeyring(t)
	nik := []byte("6411011203850002")
	name := []byte("Siti Aminah binti Abdullah")
	// Repetition would show through a keystream reused within a blob or an
	// ECB-like mode; neither the values nor any 8-byte window may appear.
	pt := bytes.Join([][]byte{nik, name, nik, name, nik, bytes.Repeat([]byte{0}, 256)}, []byte(","))
	sealed, err := k.Seal(pt, []byte("records/1/fields"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range [][]byte{nik, name} {
		for i := 0; i+8 <= len(secret); i++ {
			if bytes.Contains(sealed, secret[i:i+8]) {
				t.Fatalf("sealed blob contains plaintext %q", secret[i:i+8])
			}
		}
	}
	if bytes.Contains(sealed, make([]byte, 16)) {
		t.Fatal("sealed blob contains a run of the zero plaintext")
	}
}

func TestBlindIndex(t *testing.T) {
	k := fixedKeyring(t)
	other := newTestKeyring(t)
	const nik = "6411011203850002"

	a, b := k.BlindIndex("nik", nik), k.BlindIndex("nik", nik)
	if !bytes.Equal(a, b) {
		t.Fatal("BlindIndex is not deterministic")
	}
	if len(a) != BlindIndexSize || cap(a) != BlindIndexSize {
		t.Fatalf("len/cap %d/%d, want %d", len(a), cap(a), BlindIndexSize)
	}
	a[0] ^= 0xff // the caller owns the result
	if bytes.Equal(a, k.BlindIndex("nik", nik)) {
		t.Fatal("BlindIndex results share memory")
	}

	tests := []struct {
		name           string
		k1, k2         *Keyring
		dom1, val1     string
		dom2, val2     string
		wantEqualToken bool
	}{
		{"same input", k, k, "nik", nik, "nik", nik, true},
		{"other value", k, k, "nik", nik, "nik", "6411011203850003", false},
		{"other domain", k, k, "nik", nik, "kk", nik, false},
		{"domain/value boundary", k, k, "ab", "c", "a", "bc", false},
		{"empty domain vs prefix", k, k, "", "nik" + nik, "nik", nik, false},
		{"empty value", k, k, "nik", "", "nik", " ", false},
		{"other keyring", k, other, "nik", nik, "nik", nik, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, y := tt.k1.BlindIndex(tt.dom1, tt.val1), tt.k2.BlindIndex(tt.dom2, tt.val2)
			if bytes.Equal(x, y) != tt.wantEqualToken {
				t.Fatalf("tokens %x and %x: equal = %v, want %v", x, y, !tt.wantEqualToken, tt.wantEqualToken)
			}
		})
	}

	// An unkeyed hash of the NIK must not be the token.
	plain := sha256.Sum256([]byte(nik))
	if bytes.Equal(k.BlindIndex("nik", nik), plain[:BlindIndexSize]) {
		t.Fatal("BlindIndex is an unkeyed hash")
	}
}

func TestFingerprint(t *testing.T) {
	k := fixedKeyring(t)
	fp := k.Fingerprint()
	if len(fp) != 2*fingerprintLen {
		t.Fatalf("fingerprint %q: length %d, want %d", fp, len(fp), 2*fingerprintLen)
	}
	if _, err := hex.DecodeString(fp); err != nil {
		t.Fatalf("fingerprint %q is not hex: %v", fp, err)
	}
	if fp == newTestKeyring(t).Fingerprint() {
		t.Fatal("two keyrings share a fingerprint")
	}
	// Neither the fingerprint nor any way of printing the keyring shows key
	// bytes.
	secrets := []string{hex.EncodeToString(k.master[:]), hex.EncodeToString(k.indexKey)}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, k)
		if !strings.Contains(out, fp) {
			t.Errorf("%s of keyring = %q, want the fingerprint", format, out)
		}
		for _, s := range secrets {
			if strings.Contains(out, s[:8]) || strings.Contains(fp, s[:8]) {
				t.Errorf("%s of keyring %q or fingerprint shows key bytes", format, out)
			}
		}
		if strings.Contains(out, "[0 1 2 3") {
			t.Errorf("%s of keyring %q shows the master key", format, out)
		}
	}
}

// Golden values for the fixed keyring: they change only if the key
// derivation or the index format changes, which would orphan every existing
// store's index. Change them only together with a format version.
func TestGoldenKeyring(t *testing.T) {
	k := fixedKeyring(t)
	if got, want := k.Fingerprint(), goldenFingerprint; got != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
	if got, want := hex.EncodeToString(k.BlindIndex("nik", "6411011203850002")), goldenNIKIndex; got != want {
		t.Errorf("BlindIndex(nik) = %s, want %s", got, want)
	}
	sealed, err := hex.DecodeString(goldenSealed)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := k.Open(sealed, []byte("records/1/fields"))
	if err != nil {
		t.Fatalf("golden blob does not open: %v", err)
	}
	if string(pt) != goldenPlaintext {
		t.Fatalf("golden blob opens to %q, want %q", pt, goldenPlaintext)
	}
}

const (
	goldenFingerprint = "a5d9402e15fc45d5"
	goldenNIKIndex    = "65cb308ac7dc2d1a6e947a893fe11fab"
	goldenPlaintext   = `{"nik":"6411011203850002"}`
	goldenSealed      = "01bc60a114db00dae53c10c1936d1b3a6ddce1fb0148abbe278b0991dccb3ee579c3d014dc144f8f7d6e1739e7f65e793241f58753030c0f006da78957a95127c285c3"
)

func TestConcurrentUse(t *testing.T) {
	k := newTestKeyring(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			aad := fmt.Appendf(nil, "records/%d/fields", g)
			for i := range 200 {
				pt := fmt.Appendf(nil, "record %d.%d", g, i)
				s, err := k.Seal(pt, aad)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := k.Open(s, aad)
				if err != nil || !bytes.Equal(got, pt) {
					t.Errorf("Open = %q, %v", got, err)
					return
				}
				_ = k.BlindIndex("nik", string(pt))
			}
		})
	}
	wg.Wait()
}
