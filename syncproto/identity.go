package syncproto

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// FingerprintSize is the length of a key fingerprint: the first 16 bytes
// (128 bits) of SHA-256 over the raw 32-byte public key. 128 bits keeps a
// second key with a chosen fingerprint out of reach (2^128 work); a
// collision between two keys the same party made (2^64 work) gains it
// nothing, since a fingerprint only names a key the reader already trusts.
const FingerprintSize = 16

// Fingerprint names a public key in a bundle header. Its text form is 32
// lowercase hex digits.
type Fingerprint [FingerprintSize]byte

// String is the fingerprint in lowercase hex.
func (f Fingerprint) String() string { return hex.EncodeToString(f[:]) }

// IsZero reports whether f is unset.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// MarshalText implements encoding.TextMarshaler.
func (f Fingerprint) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (f *Fingerprint) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != FingerprintSize {
		return fmt.Errorf("syncproto: fingerprint must be %d hex digits", 2*FingerprintSize)
	}
	_, err := hex.Decode(f[:], b)
	return err
}

func fingerprint(pub []byte) Fingerprint {
	sum := sha256.Sum256(pub)
	return Fingerprint(sum[:FingerprintSize])
}

// identityMagic starts the stored form of an Identity.
const identityMagic = "JMPTKEY1"

// identitySize is the stored form: magic, Ed25519 seed, X25519 private key.
const identitySize = len(identityMagic) + ed25519.SeedSize + 32

// Identity is the private half of a device's or the hub's keys: an Ed25519
// key that signs the bundles it sends, and a static X25519 key that opens
// the bundles sealed to it. The zero Identity is unusable.
type Identity struct {
	sign ed25519.PrivateKey
	box  *ecdh.PrivateKey
}

// NewIdentity makes a key pair from 64 bytes of rand: an Ed25519 seed, then
// an X25519 private key. The same bytes give the same Identity, so tests
// can use a fixed reader; real use passes crypto/rand.Reader.
func NewIdentity(rand io.Reader) (Identity, error) {
	var b [ed25519.SeedSize + 32]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return Identity{}, fmt.Errorf("syncproto: new identity: %w", err)
	}
	return IdentityFromSeeds(b[:ed25519.SeedSize], b[ed25519.SeedSize:])
}

// IdentityFromSeeds builds an Identity from a 32-byte Ed25519 seed (RFC
// 8032) and a 32-byte X25519 private key (RFC 7748; clamped when used).
func IdentityFromSeeds(signSeed, boxKey []byte) (Identity, error) {
	if len(signSeed) != ed25519.SeedSize {
		return Identity{}, fmt.Errorf("syncproto: signing seed must be %d bytes", ed25519.SeedSize)
	}
	box, err := ecdh.X25519().NewPrivateKey(boxKey)
	if err != nil {
		return Identity{}, fmt.Errorf("syncproto: box key: %w", err)
	}
	return Identity{sign: ed25519.NewKeyFromSeed(signSeed), box: box}, nil
}

// String names id by its public fingerprints; it never prints a secret.
func (id Identity) String() string {
	if id.IsZero() {
		return "Identity(zero)"
	}
	p := id.Public()
	return "Identity(sign " + p.SignFingerprint().String() + ", box " + p.BoxFingerprint().String() + ")"
}

// GoString is String, so that %#v does not print the private keys either.
func (id Identity) GoString() string { return id.String() }

// IsZero reports whether id holds no keys.
func (id Identity) IsZero() bool { return id.sign == nil || id.box == nil }

// Public is the half of id that others need: to verify its signatures and
// to seal bundles to it.
func (id Identity) Public() PublicIdentity {
	if id.IsZero() {
		return PublicIdentity{}
	}
	var p PublicIdentity
	p.Sign = id.sign.Public().(ed25519.PublicKey)
	copy(p.Box[:], id.box.PublicKey().Bytes())
	return p
}

// MarshalBinary is the stored form: "JMPTKEY1", the 32-byte Ed25519 seed,
// the 32-byte X25519 private key. It is secret: the caller encrypts it
// before it touches a disk.
func (id Identity) MarshalBinary() ([]byte, error) {
	if id.IsZero() {
		return nil, fmt.Errorf("syncproto: marshal of a zero identity")
	}
	b := make([]byte, 0, identitySize)
	b = append(b, identityMagic...)
	b = append(b, id.sign.Seed()...)
	b = append(b, id.box.Bytes()...)
	return b, nil
}

// UnmarshalBinary reads the form MarshalBinary writes.
func (id *Identity) UnmarshalBinary(b []byte) error {
	if len(b) != identitySize || string(b[:len(identityMagic)]) != identityMagic {
		return fmt.Errorf("syncproto: not a stored identity")
	}
	b = b[len(identityMagic):]
	v, err := IdentityFromSeeds(b[:ed25519.SeedSize], b[ed25519.SeedSize:])
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// PublicIdentity is the public half of an Identity.
type PublicIdentity struct {
	Sign ed25519.PublicKey // verifies the bundles the owner sends
	Box  [32]byte          // X25519 public key bundles to the owner are sealed to
}

// SignFingerprint names the signing key; bundle headers carry it as
// Header.SenderKey.
func (p PublicIdentity) SignFingerprint() Fingerprint { return fingerprint(p.Sign) }

// BoxFingerprint names the X25519 key; bundle headers carry it as
// Header.RecipientKey.
func (p PublicIdentity) BoxFingerprint() Fingerprint { return fingerprint(p.Box[:]) }

// MarshalBinary is the 32-byte Ed25519 key followed by the 32-byte X25519 key.
func (p PublicIdentity) MarshalBinary() ([]byte, error) {
	if len(p.Sign) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("syncproto: public identity has no signing key")
	}
	return append(append(make([]byte, 0, 64), p.Sign...), p.Box[:]...), nil
}

// UnmarshalBinary reads the form MarshalBinary writes.
func (p *PublicIdentity) UnmarshalBinary(b []byte) error {
	if len(b) != ed25519.PublicKeySize+32 {
		return fmt.Errorf("syncproto: public identity must be 64 bytes")
	}
	p.Sign = ed25519.PublicKey(append([]byte(nil), b[:ed25519.PublicKeySize]...))
	copy(p.Box[:], b[ed25519.PublicKeySize:])
	return nil
}

// MarshalText is MarshalBinary in lowercase hex (128 digits).
func (p PublicIdentity) MarshalText() ([]byte, error) {
	b, err := p.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return []byte(hex.EncodeToString(b)), nil
}

// UnmarshalText reads the form MarshalText writes.
func (p *PublicIdentity) UnmarshalText(b []byte) error {
	raw := make([]byte, hex.DecodedLen(len(b)))
	if _, err := hex.Decode(raw, b); err != nil {
		return fmt.Errorf("syncproto: public identity: %w", err)
	}
	return p.UnmarshalBinary(raw)
}
