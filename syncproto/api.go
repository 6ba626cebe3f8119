package syncproto

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// The HTTP API between the field agent and the hub lives under APIPrefix.
// This file holds only its JSON bodies and header names, so that the agent
// (client) and the hub (server) cannot drift apart; the handlers live with
// the hub. JSON field names are snake_case.
const (
	// APIPrefix is the path every API route starts with. A new,
	// incompatible API gets a new prefix; the old one keeps working until
	// every laptop in the field has been updated.
	APIPrefix = "/api/v1"

	// HeaderDevice names the device a request comes from (its device id).
	HeaderDevice = "Jemput-Device"
	// HeaderTime is the device's clock when it signed, Unix milliseconds
	// in decimal.
	HeaderTime = "Jemput-Time"
	// HeaderNonce is 16 random bytes in lowercase hex, new for each request.
	HeaderNonce = "Jemput-Nonce"
	// HeaderSignature is the request signature, standard base64 (see
	// SignRequest).
	HeaderSignature = "Jemput-Signature"
	// HeaderOffset is the upload offset: on a chunk, where its bytes go;
	// on a reply, how many bytes the hub holds.
	HeaderOffset = "Upload-Offset"
	// HeaderDeviceStatus is on every hub reply to a device: "active" or
	// "revoked". A revocation travels in every response, so a laptop learns
	// of it at its next contact and stops sealing.
	HeaderDeviceStatus = "Jemput-Device-Status"
)

// Values of HeaderDeviceStatus.
const (
	DeviceActive  = "active"
	DeviceRevoked = "revoked"
)

// Bounds of an EnrollRequest.
const (
	// MaxEnrollCodeLen bounds EnrollRequest.Code, in bytes.
	MaxEnrollCodeLen = 64
	// MaxOfficerLen bounds EnrollRequest.Officer, in bytes.
	MaxOfficerLen = 200
)

// enrollContext separates enrolment proofs from every other signature a
// device key makes (bundles, requests), so none can pass for another.
const enrollContext = "jemput/enroll/v1\n"

// EnrollRequest is the body of the enrolment call: a new laptop presents
// the one-time code an admin gave the officer, and the public keys it will
// sign and receive bundles with. Proof shows that whoever sends it holds
// the private signing key, so nobody can enrol a key they do not control.
type EnrollRequest struct {
	Code     string `json:"code"`      // one-time enrolment code, as typed
	DeviceID string `json:"device_id"` // chosen by the device; 1..MaxSenderLen printable ASCII
	Officer  string `json:"officer"`   // the officer's name or login, as the admin knows it
	// Epoch is the device database's epoch (as in Header.Epoch), so the
	// hub can tell a reinstalled laptop from a restored copy.
	Epoch string         `json:"epoch"`
	Key   PublicIdentity `json:"key"` // 128 hex digits: Ed25519 then X25519 public key
	// Time is the device's clock when it signed, whole milliseconds. The
	// hub refuses a request too far from its own clock.
	Time  time.Time `json:"time"`
	Proof []byte    `json:"proof"` // Ed25519 signature by Key.Sign; base64 in JSON
}

// NewEnrollRequest fills an EnrollRequest for id and signs it. now is
// rounded down to the millisecond, the precision of the signed message.
func NewEnrollRequest(code, deviceID, officer, epoch string, id Identity, now time.Time) (EnrollRequest, error) {
	if id.IsZero() {
		return EnrollRequest{}, errf(ErrMalformed, "enrol: identity is zero")
	}
	r := EnrollRequest{
		Code:     code,
		DeviceID: deviceID,
		Officer:  officer,
		Epoch:    epoch,
		Key:      id.Public(),
		Time:     time.UnixMilli(now.UnixMilli()).UTC(),
	}
	if err := r.validate(); err != nil {
		return EnrollRequest{}, err
	}
	r.Proof = ed25519.Sign(id.sign, r.message())
	return r, nil
}

// Verify checks the fields (ErrMalformed) and the proof (ErrBadSignature).
// It says nothing about the code, the time or the device id being
// acceptable: that is for the hub, which knows the codes and its clock.
func (r EnrollRequest) Verify() error {
	if err := r.validate(); err != nil {
		return err
	}
	if len(r.Proof) != ed25519.SignatureSize {
		return errf(ErrBadSignature, "enrol: proof is %d bytes, not %d", len(r.Proof), ed25519.SignatureSize)
	}
	if !ed25519.Verify(r.Key.Sign, r.message(), r.Proof) {
		return errf(ErrBadSignature, "enrol: proof does not verify with the key presented")
	}
	return nil
}

// message is what Proof signs: the context, then each field on its own
// line. validate keeps line breaks out of every field, so the lines cannot
// be re-cut into other fields. The whole public key (both halves) is
// signed, not only the signing key's fingerprint, so that the box key the
// hub will seal downstream bundles to cannot be swapped in transit.
func (r EnrollRequest) message() []byte {
	key, _ := r.Key.MarshalText() // validate checked the key
	m := make([]byte, 0, len(enrollContext)+len(r.Code)+len(r.DeviceID)+len(r.Epoch)+len(r.Officer)+len(key)+32)
	m = append(m, enrollContext...)
	for _, f := range []string{r.Code, r.DeviceID, r.Epoch, r.Officer} {
		m = append(append(m, f...), '\n')
	}
	m = append(append(m, key...), '\n')
	return strconv.AppendInt(m, r.Time.UnixMilli(), 10)
}

// validate bounds every field; errors wrap ErrMalformed.
func (r EnrollRequest) validate() error {
	switch {
	case len(r.Code) == 0 || len(r.Code) > MaxEnrollCodeLen || !plainText(r.Code):
		return errf(ErrMalformed, "enrol: code must be 1..%d bytes of text without control characters", MaxEnrollCodeLen)
	case !validSender(r.DeviceID):
		return errf(ErrMalformed, "enrol: device id must be 1..%d printable ASCII bytes", MaxSenderLen)
	case r.DeviceID == HubSender:
		return errf(ErrMalformed, "enrol: device id %q is reserved for the hub", HubSender)
	case !validEpoch(r.Epoch):
		return errf(ErrMalformed, "enrol: epoch must be 2..%d lowercase hex digits, even", 2*MaxEpochLen)
	case len(r.Officer) == 0 || len(r.Officer) > MaxOfficerLen || !plainText(r.Officer):
		return errf(ErrMalformed, "enrol: officer must be 1..%d bytes of UTF-8 text without control characters", MaxOfficerLen)
	case len(r.Key.Sign) != ed25519.PublicKeySize || r.Key.Box == [32]byte{}:
		return errf(ErrMalformed, "enrol: key is missing or incomplete")
	case r.Time.IsZero() || r.Time.UnixMilli() < 0:
		return errf(ErrMalformed, "enrol: time is unset or before 1970")
	}
	return nil
}

// EnrollResponse is the hub's reply to a successful enrolment: who the
// device now belongs to, where the officer may register, and the hub's
// public keys, which the agent pins from now on.
type EnrollResponse struct {
	DeviceID string         `json:"device_id"`
	Officer  string         `json:"officer"`
	Villages []string       `json:"villages"` // village codes the officer may register in
	Hub      PublicIdentity `json:"hub"`      // bundles go sealed to Hub.Box; receipts verify with Hub.Sign
	HubName  string         `json:"hub_name"` // for the officer: which office this laptop reports to
}

// HelloResponse answers a device's signed connection check: the hub is
// reachable, knows this laptop and still trusts it, and its clock (for
// the officer to compare with the laptop's).
type HelloResponse struct {
	Time     time.Time `json:"time"`
	Officer  string    `json:"officer"`
	Villages []string  `json:"villages"`
}

// UploadRequest creates an upload: the device declares the bundle it is
// about to send, so that the hub can refuse it before any byte (too large,
// already received) and check the whole at the end.
type UploadRequest struct {
	BundleID string `json:"bundle_id"`
	Size     int64  `json:"size"` // bytes of the whole bundle
	Sum      string `json:"sum"`  // SHA-256 of the whole bundle, lowercase hex
}

// Validate bounds u against max, the largest bundle the caller takes
// (DefaultMaxBundleBytes if max <= 0). Size over it wraps ErrTooLarge,
// anything else out of shape ErrMalformed.
func (u UploadRequest) Validate(max int64) error {
	if max <= 0 {
		max = DefaultMaxBundleBytes
	}
	switch {
	case !canonicalUUID(u.BundleID):
		return errf(ErrMalformed, "upload: bundle id %q is not a canonical UUID", truncate(u.BundleID, 64))
	case u.Size <= 0:
		return errf(ErrMalformed, "upload: size %d is not positive", u.Size)
	case u.Size > max:
		return errf(ErrTooLarge, "upload: size %d is over %d", u.Size, max)
	case !validSum(u.Sum):
		return errf(ErrMalformed, "upload: sum must be 64 lowercase hex digits")
	}
	return nil
}

// UploadStatus describes an upload: the reply to its creation, to each
// chunk and to an offset query. A dropped connection resumes at Offset.
// Once Complete, Receipt is the hub's signed receipt (as SignReceipt
// writes it; check it with VerifyReceipt); asking again returns the same.
type UploadStatus struct {
	UploadID string          `json:"upload_id"`
	BundleID string          `json:"bundle_id"`
	Offset   int64           `json:"offset"` // bytes the hub holds
	Size     int64           `json:"size"`   // bytes declared
	Complete bool            `json:"complete"`
	Receipt  json.RawMessage `json:"receipt,omitempty"`
}

// Codes of ErrorResponse: stable, for programs to branch on. The words in
// Error are for people and may change.
const (
	CodeRevoked        = "revoked"         // the device is revoked: stop sending, tell the officer
	CodeUnknownDevice  = "unknown_device"  // the hub does not know this device: enrol again
	CodeBadSignature   = "bad_signature"   // the request signature or an enrolment proof failed
	CodeClockSkew      = "clock_skew"      // the device clock is too far from the hub's
	CodeOffsetMismatch = "offset_mismatch" // a chunk not at the hub's offset; ErrorResponse.Offset says where
)

// ErrorResponse is the body of every error reply.
type ErrorResponse struct {
	Error  string `json:"error"`            // plain words the agent can show the officer
	Code   string `json:"code"`             // stable machine code, e.g. CodeRevoked
	Offset int64  `json:"offset,omitempty"` // with CodeOffsetMismatch: where to resume
}

// validSender reports whether s is a device id or "hub": 1..MaxSenderLen
// printable ASCII bytes, no space (the rule of Header.Sender).
func validSender(s string) bool {
	return len(s) > 0 && len(s) <= MaxSenderLen && printableNoSpace(s)
}

// printableNoSpace reports whether s is printable ASCII without spaces.
func printableNoSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// validEpoch is the rule of Header.Epoch: 2..2*MaxEpochLen lowercase hex
// digits, an even number.
func validEpoch(s string) bool {
	return len(s) >= 2 && len(s) <= 2*MaxEpochLen && len(s)%2 == 0 && lowerHex(s)
}

// validSum reports whether s is a SHA-256 in lowercase hex.
func validSum(s string) bool { return len(s) == 64 && lowerHex(s) }

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// plainText reports whether s is valid UTF-8 without control characters:
// text a person typed, that cannot break a signed line in two.
func plainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) || c == '\u2028' || c == '\u2029' {
			return false
		}
	}
	return true
}

// canonicalUUID reports whether s is a UUID in canonical lowercase form,
// the form of Header.ID.
func canonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// hexSum is SHA-256 digest d in lowercase hex.
func hexSum(d [32]byte) string { return hex.EncodeToString(d[:]) }
