package atrest

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// Params are the Argon2id cost parameters that turn a passphrase into the
// key that wraps the master key.
type Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes (parallelism)
}

// Bounds enforced by Params.validate, on wrap and on unwrap. The upper ones
// are what a tampered or damaged file may make an unlock spend: a field
// laptop may have 4 GB of RAM in all, so memory stops at 1 GiB (16 times
// DefaultParams); with Time at most 100 an unlock stays bounded in time.
const (
	maxTime      = 100
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxThreads   = 64
)

// DefaultParams returns the cost used for new stores: Argon2id with t=3,
// m=64 MiB, p=4, the second recommended option of RFC 9106 section 4, meant
// for machines that cannot spare the 2 GiB of the first. 64 MiB fits beside
// the agent on a 4 GB field laptop, and an unlock takes a fraction of a
// second there (see BenchmarkUnwrapDefault), which is fine once per session
// but makes each guess equally expensive for whoever holds a stolen disk.
// Four lanes cost no more time than two on a dual-core machine: the work is
// fixed by t and m, lanes only let more cores share it.
func DefaultParams() Params {
	return Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}
}

// validate refuses parameters Argon2id cannot run with and parameters so
// large that a tampered file could make unlock exhaust memory or hang.
func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("argon2 time %d outside 1..%d", p.Time, maxTime)
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("argon2 threads %d outside 1..%d", p.Threads, maxThreads)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("argon2 memory %d KiB outside %d..%d for %d threads", p.MemoryKiB, 8*uint32(p.Threads), maxMemoryKiB, p.Threads)
	}
	return nil
}

// WrappedVersion is the only version of Wrapped this package writes and
// reads.
const WrappedVersion = 1

const (
	saltSize   = 16
	sealedSize = keySize + tagSize // the master key plus the Poly1305 tag

	wrappedMagic = "JKR" // Jemput KeyRing; the version byte follows
	// Version 1 layout, all integers big-endian:
	//
	//	0   "JKR"
	//	3   version (1)
	//	4   Params.Time       uint32
	//	8   Params.MemoryKiB  uint32
	//	12  Params.Threads    uint8
	//	13  salt              16 bytes
	//	29  nonce             24 bytes
	//	53  sealed master key 48 bytes
	//	101 end
	wrappedHeaderSize = len(wrappedMagic) + 1 + 4 + 4 + 1 + saltSize + nonceSize // 53
	wrappedSize       = wrappedHeaderSize + sealedSize                           // 101
)

// Wrapped is the keyring as stored on disk: the master key sealed under a
// key derived from the passphrase, with everything needed to derive that key
// again. Nothing in it is secret.
//
// Its binary form (MarshalBinary) has a fixed layout for each version, so
// the version fixes every length; version 1 is exactly 101 bytes. The header
// (everything before Sealed: magic, version, params, salt and nonce) is the
// associated data of the seal, so no byte of it can be changed, for instance
// to weaker Argon2 parameters, without the unlock failing.
type Wrapped struct {
	Version uint8
	Params  Params
	Salt    []byte // 16 bytes
	Nonce   []byte // 24 bytes
	Sealed  []byte // 48 bytes: XChaCha20-Poly1305 of the 32-byte master key
}

// check reports whether w has the shape of a version this package knows.
func (w *Wrapped) check() error {
	if w.Version != WrappedVersion {
		return fmt.Errorf("%w: unsupported wrapped keyring version %d", ErrCorrupt, w.Version)
	}
	if err := w.Params.validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if len(w.Salt) != saltSize || len(w.Nonce) != nonceSize || len(w.Sealed) != sealedSize {
		return fmt.Errorf("%w: salt, nonce, sealed are %d, %d, %d bytes, want %d, %d, %d",
			ErrCorrupt, len(w.Salt), len(w.Nonce), len(w.Sealed), saltSize, nonceSize, sealedSize)
	}
	return nil
}

// header appends the authenticated header of w to b. w must have passed
// check.
func (w *Wrapped) header(b []byte) []byte {
	b = append(b, wrappedMagic...)
	b = append(b, w.Version)
	b = binary.BigEndian.AppendUint32(b, w.Params.Time)
	b = binary.BigEndian.AppendUint32(b, w.Params.MemoryKiB)
	b = append(b, w.Params.Threads)
	b = append(b, w.Salt...)
	return append(b, w.Nonce...)
}

// MarshalBinary encodes w in the layout described at Wrapped. It refuses a
// Wrapped that UnmarshalBinary would refuse.
func (w Wrapped) MarshalBinary() ([]byte, error) {
	if err := w.check(); err != nil {
		return nil, fmt.Errorf("atrest: marshal wrapped keyring: %w", err)
	}
	b := w.header(make([]byte, 0, wrappedSize))
	return append(b, w.Sealed...), nil
}

// UnmarshalBinary decodes the form written by MarshalBinary. Anything else
// (wrong magic, unknown version, wrong length, parameters out of bounds)
// gives an error wrapping ErrCorrupt and leaves w unchanged. w does not
// retain b.
func (w *Wrapped) UnmarshalBinary(b []byte) error {
	if err := w.unmarshal(b); err != nil {
		return fmt.Errorf("atrest: unmarshal wrapped keyring: %w", err)
	}
	return nil
}

func (w *Wrapped) unmarshal(b []byte) error {
	if len(b) < len(wrappedMagic)+1 {
		return fmt.Errorf("%w: %d bytes, too short for a header", ErrCorrupt, len(b))
	}
	if string(b[:len(wrappedMagic)]) != wrappedMagic {
		return fmt.Errorf("%w: not a wrapped keyring (bad magic %q)", ErrCorrupt, b[:len(wrappedMagic)])
	}
	if v := b[len(wrappedMagic)]; v != WrappedVersion {
		return fmt.Errorf("%w: unsupported wrapped keyring version %d", ErrCorrupt, v)
	}
	if len(b) != wrappedSize {
		return fmt.Errorf("%w: version %d is %d bytes, got %d", ErrCorrupt, WrappedVersion, wrappedSize, len(b))
	}
	p := b[len(wrappedMagic)+1:]
	v := Wrapped{
		Version: WrappedVersion,
		Params: Params{
			Time:      binary.BigEndian.Uint32(p[0:4]),
			MemoryKiB: binary.BigEndian.Uint32(p[4:8]),
			Threads:   p[8],
		},
	}
	p = p[9:]
	v.Salt = append([]byte(nil), p[:saltSize]...)
	p = p[saltSize:]
	v.Nonce = append([]byte(nil), p[:nonceSize]...)
	v.Sealed = append([]byte(nil), p[nonceSize:]...)
	if err := v.check(); err != nil {
		return err
	}
	*w = v
	return nil
}

// Wrap seals the master key under a key derived from passphrase with
// Argon2id and params p, with a fresh salt and nonce read from rand
// (crypto/rand.Reader if nil). Wrapping the same keyring again, e.g. after a
// passphrase change, gives a new Wrapped for the same data. An empty
// passphrase and parameters outside the bounds Unwrap accepts are refused.
// The caller owns passphrase and may clear it afterwards.
func (k *Keyring) Wrap(passphrase []byte, p Params, rand io.Reader) (Wrapped, error) {
	if len(passphrase) == 0 {
		return Wrapped{}, errors.New("atrest: wrap: empty passphrase")
	}
	if err := p.validate(); err != nil {
		return Wrapped{}, fmt.Errorf("atrest: wrap: %w", err)
	}
	w := Wrapped{Version: WrappedVersion, Params: p, Salt: make([]byte, saltSize), Nonce: make([]byte, nonceSize)}
	if err := readRandom(rand, w.Salt); err != nil {
		return Wrapped{}, fmt.Errorf("atrest: wrap: %w", err)
	}
	if err := readRandom(rand, w.Nonce); err != nil {
		return Wrapped{}, fmt.Errorf("atrest: wrap: %w", err)
	}
	aead, err := kek(passphrase, &w)
	if err != nil {
		return Wrapped{}, fmt.Errorf("atrest: wrap: %w", err)
	}
	w.Sealed = aead.Seal(make([]byte, 0, sealedSize), w.Nonce, k.master[:], w.header(nil))
	return w, nil
}

// Unwrap recovers the keyring from w with passphrase. If w is malformed or
// its parameters are out of bounds it returns an error wrapping ErrCorrupt
// before running Argon2; if the seal does not open it returns an error
// wrapping ErrWrongPassphrase.
func Unwrap(w Wrapped, passphrase []byte) (*Keyring, error) {
	if err := w.check(); err != nil {
		return nil, fmt.Errorf("atrest: unwrap: %w", err)
	}
	aead, err := kek(passphrase, &w)
	if err != nil {
		return nil, fmt.Errorf("atrest: unwrap: %w", err)
	}
	var master [keySize]byte
	pt, err := aead.Open(master[:0], w.Nonce, w.Sealed, w.header(nil))
	if err != nil || len(pt) != keySize {
		clear(master[:])
		return nil, fmt.Errorf("atrest: unwrap: %w", ErrWrongPassphrase)
	}
	k, err := newKeyring(master)
	clear(master[:])
	if err != nil {
		return nil, fmt.Errorf("atrest: unwrap: %w", err)
	}
	return k, nil
}

// kek derives the key-encryption key for w and returns it as an AEAD. w must
// have passed check (or carry validated params, as in Wrap).
func kek(passphrase []byte, w *Wrapped) (cipher.AEAD, error) {
	key := argon2.IDKey(passphrase, w.Salt, w.Params.Time, w.Params.MemoryKiB, w.Params.Threads, keySize)
	defer clear(key)
	return chacha20poly1305.NewX(key)
}
