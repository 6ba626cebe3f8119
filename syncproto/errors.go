package syncproto

import (
	"errors"
	"fmt"
	"io"
)

// Sentinel errors of the bundle format. Every error returned by the
// encoder, the decoder and PeekHeader that is about the bundle itself (not
// about the underlying reader or writer) wraps exactly one of them, with
// context; test with errors.Is.
var (
	// ErrBadMagic: the input does not start with Magic; not a bundle.
	ErrBadMagic = errors.New("syncproto: not a jemput bundle (bad magic)")
	// ErrUnknownVersion: a bundle of a format version this code cannot read.
	ErrUnknownVersion = errors.New("syncproto: unknown bundle version")
	// ErrTruncated: the input ended inside the bundle.
	ErrTruncated = errors.New("syncproto: bundle truncated")
	// ErrTooLarge: a length field, an op or the whole bundle is over a limit.
	// It is returned before anything of that size is allocated.
	ErrTooLarge = errors.New("syncproto: bundle too large")
	// ErrMalformed: the bytes are structurally wrong: a header field out of
	// range, a chunk of the wrong size, data after the signature, or (after
	// the signature verified, so the sender itself wrote it) a body that does
	// not decompress, an op that does not parse or lies outside the ranges
	// the header declares, or a count that does not match.
	ErrMalformed = errors.New("syncproto: malformed bundle")
	// ErrBadSignature: the sender's Ed25519 signature over the header and
	// the ciphertext digest does not verify. The body was not decrypted.
	ErrBadSignature = errors.New("syncproto: bad bundle signature")
	// ErrWrongRecipient: the header names another recipient key. Detected
	// from the clear header, before the body is read.
	ErrWrongRecipient = errors.New("syncproto: bundle sealed to another recipient")
	// ErrTampered: a body chunk fails XChaCha20-Poly1305 authentication
	// (changed, reordered, dropped, or the last chunk missing). Behind a
	// valid signature this means the sender sealed garbage.
	ErrTampered = errors.New("syncproto: bundle body fails authentication")
	// ErrReplay is for the hub (and the agent importing a return file): this
	// package cannot tell a replay from a first delivery, because it keeps
	// no state. The receiver detects it by (sender, bundle id) and by the
	// seq range, epoch and previous-bundle hash in the header, and returns
	// an error wrapping ErrReplay.
	ErrReplay = errors.New("syncproto: bundle replayed")
	// ErrUnknownSender: the trust function does not know the sender, or the
	// key it returns is not the one the header names.
	ErrUnknownSender = errors.New("syncproto: unknown sender")
)

// errf wraps sentinel with a formatted context.
func errf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}

// readFull is io.ReadFull that reports a short input as ErrTruncated. Other
// reader errors are passed on wrapped, since they are not about the bundle.
func readFull(r io.Reader, buf []byte, what string) error {
	if _, err := io.ReadFull(r, buf); err != nil {
		return readErr(err, what)
	}
	return nil
}

// readErr classifies an error from io.ReadFull.
func readErr(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errf(ErrTruncated, "reading %s", what)
	}
	return fmt.Errorf("syncproto: reading %s: %w", what, err)
}
