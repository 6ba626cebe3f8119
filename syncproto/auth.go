package syncproto

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// ErrUnauthenticated: a request lacks its signature headers, or one of
// them is malformed. The hub answers 401 and looks no further.
var ErrUnauthenticated = errors.New("syncproto: request not authenticated")

// Bounds of the request signature headers.
const (
	// NonceSize is the number of random bytes in HeaderNonce.
	NonceSize = 16
	// MaxRequestURILen bounds the request target a signature covers.
	MaxRequestURILen = 8 << 10
	// maxMethodLen bounds the method; the API uses GET, POST, PATCH, HEAD.
	maxMethodLen = 16
	// maxTimeDigits bounds HeaderTime: Unix milliseconds fit in 13 digits
	// until the year 2286.
	maxTimeDigits = 16
)

// requestContext separates request signatures from every other signature
// a device key makes.
const requestContext = "jemput/request/v1\n"

// SignRequest signs a device's request with id and sets the four
// authentication headers on h: HeaderDevice, HeaderTime, HeaderNonce and
// HeaderSignature. It reads NonceSize bytes from rand.
//
// The signature is Ed25519 over
//
//	"jemput/request/v1\n" method "\n" requestURI "\n" deviceID "\n"
//	time "\n" nonce "\n" hex(SHA-256(body))
//
// requestURI is the request target as it goes on the request line: path
// and query, escaped (req.URL.RequestURI() on the client; the hub checks
// against r.RequestURI). body is the whole request body, nil for none.
// Neither the method, the target nor the device id may hold spaces or
// control characters, so the lines cannot be re-cut.
func SignRequest(h http.Header, method, requestURI, deviceID string, body []byte, id Identity, now time.Time, rand io.Reader) error {
	if id.IsZero() {
		return errors.New("syncproto: sign request: identity is zero")
	}
	if !validSender(deviceID) {
		return fmt.Errorf("syncproto: sign request: device id must be 1..%d printable ASCII bytes", MaxSenderLen)
	}
	if err := checkTarget(method, requestURI); err != nil {
		return fmt.Errorf("syncproto: sign request: %w", err)
	}
	var n [NonceSize]byte
	if _, err := io.ReadFull(rand, n[:]); err != nil {
		return fmt.Errorf("syncproto: sign request: nonce: %w", err)
	}
	ms := now.UnixMilli()
	if ms < 0 {
		return errors.New("syncproto: sign request: time is before 1970")
	}
	a := RequestAuth{Device: deviceID, Time: time.UnixMilli(ms).UTC(), Nonce: hex.EncodeToString(n[:])}
	a.Signature = ed25519.Sign(id.sign, a.message(method, requestURI, body))
	h.Set(HeaderDevice, a.Device)
	h.Set(HeaderTime, strconv.FormatInt(ms, 10))
	h.Set(HeaderNonce, a.Nonce)
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(a.Signature))
	return nil
}

// RequestAuth is the authentication a device request carries, parsed but
// not yet verified: look the device's key up by Device, then call Verify.
//
// Verify proves only that the device signed this method, target and body
// at the time it claims. Freshness is the hub's to enforce, since this
// package keeps no state and reads no clock: it should refuse a Time too
// far from its own clock (a few minutes; answer CodeClockSkew so the
// officer can fix the laptop's clock) and a Nonce it has already seen from
// the device within that window. Nonces need only be remembered for as
// long as their time is acceptable, so the memory stays bounded.
type RequestAuth struct {
	Device    string    // HeaderDevice: 1..MaxSenderLen printable ASCII
	Time      time.Time // HeaderTime, UTC, whole milliseconds
	Nonce     string    // HeaderNonce: 2*NonceSize lowercase hex digits
	Signature []byte    // HeaderSignature, decoded: ed25519.SignatureSize bytes
}

// ParseRequestAuth reads the four authentication headers. Each must be
// present exactly once and in its canonical form; anything else wraps
// ErrUnauthenticated. The lengths are checked before anything is decoded.
func ParseRequestAuth(h http.Header) (RequestAuth, error) {
	get := func(name string, max int) (string, error) {
		vs := h.Values(name)
		switch {
		case len(vs) == 0 || vs[0] == "":
			return "", errf(ErrUnauthenticated, "header %s is missing", name)
		case len(vs) > 1:
			return "", errf(ErrUnauthenticated, "header %s is given %d times", name, len(vs))
		case len(vs[0]) > max:
			return "", errf(ErrUnauthenticated, "header %s is over %d bytes", name, max)
		}
		return vs[0], nil
	}
	var a RequestAuth
	var err error
	if a.Device, err = get(HeaderDevice, MaxSenderLen); err != nil {
		return RequestAuth{}, err
	}
	if !validSender(a.Device) {
		return RequestAuth{}, errf(ErrUnauthenticated, "header %s is not printable ASCII", HeaderDevice)
	}

	ts, err := get(HeaderTime, maxTimeDigits)
	if err != nil {
		return RequestAuth{}, err
	}
	ms, perr := strconv.ParseInt(ts, 10, 64)
	// Only the canonical decimal form: no sign, no leading zeros, since
	// the signature covers the text as sent.
	if perr != nil || ms < 0 || strconv.FormatInt(ms, 10) != ts {
		return RequestAuth{}, errf(ErrUnauthenticated, "header %s is not Unix milliseconds", HeaderTime)
	}
	a.Time = time.UnixMilli(ms).UTC()

	if a.Nonce, err = get(HeaderNonce, 2*NonceSize); err != nil {
		return RequestAuth{}, err
	}
	if len(a.Nonce) != 2*NonceSize || !lowerHex(a.Nonce) {
		return RequestAuth{}, errf(ErrUnauthenticated, "header %s must be %d lowercase hex digits", HeaderNonce, 2*NonceSize)
	}

	sig, err := get(HeaderSignature, base64.StdEncoding.EncodedLen(ed25519.SignatureSize))
	if err != nil {
		return RequestAuth{}, err
	}
	a.Signature, perr = base64.StdEncoding.Strict().DecodeString(sig)
	if perr != nil || len(a.Signature) != ed25519.SignatureSize {
		return RequestAuth{}, errf(ErrUnauthenticated, "header %s must be %d bytes in standard base64", HeaderSignature, ed25519.SignatureSize)
	}
	return a, nil
}

// Verify checks the signature over method, requestURI (r.RequestURI, as
// received) and the whole body with key, the key the hub holds for
// a.Device. A mismatch wraps ErrBadSignature.
func (a RequestAuth) Verify(method, requestURI string, body []byte, key ed25519.PublicKey) error {
	if len(key) != ed25519.PublicKeySize {
		return errf(ErrBadSignature, "request: device key is %d bytes, not %d", len(key), ed25519.PublicKeySize)
	}
	if !validSender(a.Device) || len(a.Nonce) != 2*NonceSize || len(a.Signature) != ed25519.SignatureSize || a.Time.UnixMilli() < 0 {
		return errf(ErrUnauthenticated, "request: authentication not parsed by ParseRequestAuth")
	}
	if err := checkTarget(method, requestURI); err != nil {
		return errf(ErrBadSignature, "request: %v", err)
	}
	if !ed25519.Verify(key, a.message(method, requestURI, body), a.Signature) {
		return errf(ErrBadSignature, "request from %s to %s %s", a.Device, method, truncate(requestURI, 128))
	}
	return nil
}

// message is what the request signature covers.
func (a RequestAuth) message(method, requestURI string, body []byte) []byte {
	m := make([]byte, 0, len(requestContext)+len(method)+len(requestURI)+len(a.Device)+2*NonceSize+96)
	m = append(m, requestContext...)
	for _, f := range []string{method, requestURI, a.Device} {
		m = append(append(m, f...), '\n')
	}
	m = append(strconv.AppendInt(m, a.Time.UnixMilli(), 10), '\n')
	m = append(append(m, a.Nonce...), '\n')
	return append(m, hexSum(sha256.Sum256(body))...)
}

// checkTarget bounds the method and the request target and keeps spaces
// and control characters out of them (neither has any on a valid request
// line).
func checkTarget(method, requestURI string) error {
	if len(method) == 0 || len(method) > maxMethodLen || !validSender(method) {
		return fmt.Errorf("method must be 1..%d printable ASCII bytes", maxMethodLen)
	}
	if len(requestURI) == 0 || len(requestURI) > MaxRequestURILen || !printableNoSpace(requestURI) {
		return fmt.Errorf("request target must be 1..%d printable ASCII bytes", MaxRequestURILen)
	}
	return nil
}
