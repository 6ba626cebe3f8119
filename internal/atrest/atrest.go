package atrest

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// Sentinel errors. Callers test them with errors.Is; the returned errors
// wrap them with detail for logs.
var (
	// ErrWrongPassphrase: the passphrase does not unlock this store. A
	// wrapped keyring whose salt, nonce or sealed key was damaged gives the
	// same error: the two cannot be told apart.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrCorrupt: authentication failed or the data is malformed.
	ErrCorrupt = errors.New("encrypted data is corrupt")
)

const (
	keySize = 32

	sealVersion  = 1
	nonceSize    = chacha20poly1305.NonceSizeX // 24
	tagSize      = chacha20poly1305.Overhead   // 16
	sealOverhead = 1 + nonceSize + tagSize

	fingerprintLen = 8

	// HKDF info strings; changing one changes every key derived with it.
	infoData        = "jemput/atrest/v1/data"
	infoIndex       = "jemput/atrest/v1/index"
	infoFingerprint = "jemput/atrest/v1/fingerprint"
)

// BlindIndexSize is the length in bytes of a BlindIndex token.
const BlindIndexSize = 16

// Keyring holds the master key of a store and the subkeys derived from it.
// It is safe for concurrent use. Its String method prints only the
// fingerprint, so a Keyring logged by mistake leaks no key.
type Keyring struct {
	master   [keySize]byte
	data     cipher.AEAD // XChaCha20-Poly1305 under the data subkey
	indexKey []byte
	fp       string
}

// NewKeyring makes a keyring with a fresh master key read from rand
// (crypto/rand.Reader if nil).
func NewKeyring(rand io.Reader) (*Keyring, error) {
	var master [keySize]byte
	if err := readRandom(rand, master[:]); err != nil {
		return nil, fmt.Errorf("atrest: new keyring: %w", err)
	}
	return newKeyring(master)
}

func newKeyring(master [keySize]byte) (*Keyring, error) {
	dataKey, err := hkdf.Key(sha256.New, master[:], nil, infoData, keySize)
	if err != nil {
		return nil, err
	}
	indexKey, err := hkdf.Key(sha256.New, master[:], nil, infoIndex, keySize)
	if err != nil {
		return nil, err
	}
	fp, err := hkdf.Key(sha256.New, master[:], nil, infoFingerprint, fingerprintLen)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(dataKey)
	if err != nil {
		return nil, err
	}
	clear(dataKey) // the AEAD keeps its own copy
	return &Keyring{master: master, data: aead, indexKey: indexKey, fp: hex.EncodeToString(fp)}, nil
}

// Seal encrypts plaintext and binds it to aad, which the caller must pass
// again to Open (the storage layer uses the row and column, e.g.
// "records/<id>/fields"). The result is
//
//	version (1 byte, 1) || nonce (24 random bytes) || ciphertext || tag (16 bytes)
//
// so it is len(plaintext)+41 bytes long. Sealing the same plaintext twice
// gives different blobs. The error is non-nil only if no randomness could be
// read.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, sealOverhead+len(plaintext))
	out[0] = sealVersion
	nonce := out[1 : 1+nonceSize]
	if err := readRandom(nil, nonce); err != nil {
		return nil, fmt.Errorf("atrest: seal: %w", err)
	}
	return k.data.Seal(out, nonce, plaintext, aad), nil
}

// Open decrypts a blob made by Seal with the same aad. A blob that is too
// short, has an unknown version, was changed in any byte, was sealed for
// other aad or under another keyring gives an error wrapping ErrCorrupt.
// Open never returns unauthenticated bytes; the plaintext is a fresh slice.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < sealOverhead {
		return nil, fmt.Errorf("atrest: open: %w: blob is %d bytes, shorter than the minimum %d", ErrCorrupt, len(sealed), sealOverhead)
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("atrest: open: %w: unknown blob version %d", ErrCorrupt, sealed[0])
	}
	nonce, ct := sealed[1:1+nonceSize], sealed[1+nonceSize:]
	pt, err := k.data.Open(make([]byte, 0, len(ct)-tagSize), nonce, ct, aad)
	if err != nil {
		return nil, fmt.Errorf("atrest: open: %w: authentication failed (damaged, moved to another row, or another key)", ErrCorrupt)
	}
	return pt, nil
}

// BlindIndex returns a 16-byte token for value in domain: HMAC-SHA256 under
// the index subkey of
//
//	len(domain) (8 bytes, big-endian) || domain || value
//
// truncated to 16 bytes. It is deterministic for one keyring, so equal
// values can be found by token, and unrelated between domains and between
// keyrings. The length prefix keeps ("ab","c") and ("a","bc") apart. The
// caller canonicalises value first; the token matches bytes exactly.
func (k *Keyring) BlindIndex(domain, value string) []byte {
	m := hmac.New(sha256.New, k.indexKey)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(domain)))
	m.Write(n[:])
	io.WriteString(m, domain)
	io.WriteString(m, value)
	var sum [sha256.Size]byte
	return m.Sum(sum[:0])[:BlindIndexSize:BlindIndexSize]
}

// Fingerprint returns a short identifier of the keyring (16 hex digits):
// HKDF output under its own info string, so it reveals nothing about the
// keys. Two stores share a fingerprint only if they share a master key.
// It is meant for logs, support and tests.
func (k *Keyring) Fingerprint() string { return k.fp }

// String identifies the keyring by fingerprint and never prints key bytes.
func (k *Keyring) String() string { return "atrest.Keyring(" + k.fp + ")" }

// GoString is String, so %#v does not print key bytes either.
func (k *Keyring) GoString() string { return k.String() }

// readRandom fills b from r, or from crypto/rand if r is nil.
func readRandom(r io.Reader, b []byte) error {
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, b); err != nil {
		return fmt.Errorf("reading randomness: %w", err)
	}
	return nil
}
