package webkit

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
)

// Token returns 32 random bytes in hex, for session and CSRF tokens.
func Token() string {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// Same compares a presented token with the expected one in constant time;
// an empty expected token matches nothing.
func Same(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
