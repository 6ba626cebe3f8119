// Package password hashes hub users' passwords with Argon2id and checks
// them in constant time. Hashes are stored in the PHC string form
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash) so the parameters can be
// raised later without breaking existing accounts.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Params are Argon2id costs.
type Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// Default follows OWASP's Argon2id guidance (19 MiB, t=2 is the minimum;
// this is above it) and keeps a login near 50 ms on a small server.
var Default = Params{Time: 2, Memory: 32 * 1024, Threads: 2}

// MinLength is the shortest password accepted.
const MinLength = 10

// ErrMismatch: the password does not match the hash.
var ErrMismatch = errors.New("password does not match")

// ErrMalformed: the stored hash is not one this package wrote.
var ErrMalformed = errors.New("malformed password hash")

// Check says why a new password is refused, or nil.
func Check(pw string) error {
	if len([]rune(pw)) < MinLength {
		return fmt.Errorf("a password needs at least %d characters", MinLength)
	}
	if len(pw) > 1024 {
		return errors.New("a password may be at most 1024 bytes")
	}
	return nil
}

// Hash hashes pw (NFC-normalised, so the same password typed on two
// keyboards matches) with a fresh 16-byte salt.
func Hash(pw string, p Params, r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	salt := make([]byte, 16)
	if _, err := io.ReadFull(r, salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(norm.NFC.String(pw)), salt, p.Time, p.Memory, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify checks pw against an encoded hash.
func Verify(pw, encoded string) error {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return ErrMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory == 0 || p.Memory > 1<<22 || p.Time == 0 || p.Time > 16 || p.Threads == 0 {
		return ErrMalformed
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return ErrMalformed
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return ErrMalformed
	}
	got := argon2.IDKey([]byte(norm.NFC.String(pw)), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}
