package syncproto

import (
	"bufio"
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/klauspost/compress/zstd"
)

// Limits bound what a decoder accepts. Zero fields take the defaults.
type Limits struct {
	// MaxBundleBytes bounds the whole bundle on the wire, and so the
	// ciphertext the decoder buffers while it verifies the signature.
	MaxBundleBytes int64
	// MaxBodyBytes bounds the decompressed JSON lines (a zstd bomb stops here).
	MaxBodyBytes int64
	// MaxOpBytes bounds one JSON line, newline included.
	MaxOpBytes int
}

// Default limits. The encoder refuses to write past them, so a bundle it
// seals is one a default decoder opens.
const (
	DefaultMaxBundleBytes = 64 << 20
	DefaultMaxBodyBytes   = 512 << 20
	DefaultMaxOpBytes     = 1 << 20

	// SignatureSize is the size of the trailer: one Ed25519 signature.
	SignatureSize = ed25519.SignatureSize

	ephemeralSize = 32
	lineBufSize   = 64 << 10 // the line reader's buffer; longer ops are gathered up to MaxOpBytes
)

func (l Limits) withDefaults() Limits {
	if l.MaxBundleBytes <= 0 {
		l.MaxBundleBytes = DefaultMaxBundleBytes
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.MaxOpBytes <= 0 {
		l.MaxOpBytes = DefaultMaxOpBytes
	}
	return l
}

// signedMessage is what the sender signs:
// sigContext || preamble || SHA-256(frames).
func signedMessage(preamble []byte, bodyDigest []byte) []byte {
	m := make([]byte, 0, len(sigContext)+len(preamble)+len(bodyDigest))
	m = append(m, sigContext...)
	m = append(m, preamble...)
	return append(m, bodyDigest...)
}

// sink writes the bundle to the caller's writer, counting and hashing.
type sink struct {
	w      io.Writer
	all    hash.Hash // the whole bundle: Sum
	body   hash.Hash // the frames: signed digest
	inBody bool
	n      int64
	limit  int64
	err    error // first error, kept since zstd may not wrap it
}

func (s *sink) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.n+int64(len(p)) > s.limit {
		s.err = errf(ErrTooLarge, "bundle would be over %d bytes; seal fewer ops", DefaultMaxBundleBytes)
		return 0, s.err
	}
	n, err := s.w.Write(p)
	if err != nil {
		s.err = err
	}
	s.all.Write(p[:n])
	if s.inBody {
		s.body.Write(p[:n])
	}
	s.n += int64(n)
	return n, err
}

// Encoder writes one bundle. The bundle, byte by byte (integers big-endian):
//
//	preamble
//	  0    8  magic "JMPTBNDL"
//	  8    1  version, 0x01
//	  9    2  header length H (MaxHeaderSize at most)
//	 11    H  header:
//	          +0   16  bundle id (UUID bytes)
//	          +16  16  sender key fingerprint: SHA-256(Ed25519 public key)[:16]
//	          +32  16  recipient key fingerprint: SHA-256(X25519 public key)[:16]
//	          +48  32  ephemeral X25519 public key
//	          +80  32  previous bundle's Sum (zero for the first)
//	          +112  8  created at, Unix milliseconds
//	          +120  8  seq first     +128 8  seq last
//	          +136  8  hlc min       +144 8  hlc max
//	          +152  4  op count
//	          +156  1  epoch length E (1..32), then E bytes of epoch
//	                1  sender length S (1..64), then S bytes of sender id (ASCII)
//	body: frames, until one has the last bit
//	          4  word: sealed length n (16..65552) | 0x80000000 on the last frame
//	          n  XChaCha20-Poly1305 chunk (see stream.go for keys and nonces)
//	trailer
//	         64  Ed25519 signature by the sender over
//	             "jemput bundle v1 signature\x00" || preamble || SHA-256(body)
//
// The plaintext of the chunks, joined, is one zstd stream of JSON lines:
// one Op per line, encoding/json, each line ending in '\n'.
//
// Call Encode for each op, then Close; the bundle is complete only when
// Close returns nil. Nothing is buffered beyond one 64 KiB chunk and the
// compressor's window, so a large bundle streams straight to a file or an
// upload.
type Encoder struct {
	out  *sink
	hdr  Header
	pre  []byte
	sign ed25519.PrivateKey
	cw   *chunkWriter
	zw   *zstd.Encoder
	line bytes.Buffer
	json *json.Encoder
	n    uint32
	err  error // sticky
	done bool
	sum  [32]byte
}

// NewEncoder writes the preamble of a bundle from from to to, and returns
// the Encoder for its ops. h gives the bundle id, sender, epoch, ranges,
// count, created-at and previous hash (see Header.Cover); NewEncoder sets
// the key fingerprints and the ephemeral key itself. It reads exactly 32
// bytes from rand (the ephemeral X25519 key): given the same rand, the
// same header and ops give the same bytes.
func NewEncoder(w io.Writer, h Header, from Identity, to PublicIdentity, rand io.Reader) (*Encoder, error) {
	if from.IsZero() {
		return nil, errors.New("syncproto: seal: sender identity is zero")
	}
	recipient, err := ecdh.X25519().NewPublicKey(to.Box[:])
	if err != nil || to.Box == [32]byte{} {
		return nil, errors.New("syncproto: seal: recipient has no box key")
	}
	var seed [ephemeralSize]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, fmt.Errorf("syncproto: seal: ephemeral key: %w", err)
	}
	eph, err := ecdh.X25519().NewPrivateKey(seed[:])
	if err != nil {
		return nil, fmt.Errorf("syncproto: seal: ephemeral key: %w", err)
	}
	h.SenderKey = from.Public().SignFingerprint()
	h.RecipientKey = to.BoxFingerprint()
	copy(h.Ephemeral[:], eph.PublicKey().Bytes())
	h = h.normalize()
	hb, err := h.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("syncproto: seal: %w", err)
	}
	pre := appendPreamble(nil, hb)
	shared, err := eph.ECDH(recipient)
	if err != nil {
		return nil, fmt.Errorf("syncproto: seal: recipient box key: %w", err)
	}
	key, err := deriveKey(shared, h.Ephemeral[:], to.Box[:], pre)
	if err != nil {
		return nil, fmt.Errorf("syncproto: seal: %w", err)
	}
	out := &sink{w: w, all: sha256.New(), body: sha256.New(), limit: DefaultMaxBundleBytes - SignatureSize}
	if _, err := out.Write(pre); err != nil {
		return nil, err
	}
	out.inBody = true
	e := &Encoder{out: out, hdr: h, pre: pre, sign: from.sign, cw: newChunkWriter(key, out)}
	if e.zw, err = getZstdEncoder(e.cw); err != nil {
		return nil, fmt.Errorf("syncproto: seal: %w", err)
	}
	e.json = json.NewEncoder(&e.line)
	e.json.SetEscapeHTML(false)
	return e, nil
}

// Header is the header as written, with the fields NewEncoder filled in.
func (e *Encoder) Header() Header { return e.hdr }

// Encode appends op. It must lie in the ranges the header declares, and
// there may be no more ops than its Count.
func (e *Encoder) Encode(op Op) error {
	if e.err != nil {
		return e.err
	}
	if e.done {
		return errors.New("syncproto: encode after Close")
	}
	if e.n == e.hdr.Count {
		return e.fail(errf(ErrMalformed, "more ops than the header's count %d", e.hdr.Count))
	}
	if err := e.hdr.covers(op); err != nil {
		return e.fail(errf(ErrMalformed, "%v", err))
	}
	e.line.Reset()
	if err := e.json.Encode(op); err != nil {
		return e.fail(fmt.Errorf("syncproto: encode op %s: %w", op.OpID, err))
	}
	if e.line.Len() > DefaultMaxOpBytes {
		return e.fail(errf(ErrTooLarge, "op %s is %d bytes as JSON, over %d", op.OpID, e.line.Len(), DefaultMaxOpBytes))
	}
	if _, err := e.zw.Write(e.line.Bytes()); err != nil {
		return e.fail(err)
	}
	e.n++
	return nil
}

func (e *Encoder) fail(err error) error {
	if e.out.err != nil {
		err = e.out.err
	}
	e.err = err
	e.release()
	return err
}

// release returns the compressor to the pool; the Encoder is done.
func (e *Encoder) release() {
	if e.zw != nil {
		putZstdEncoder(e.zw)
		e.zw = nil
	}
}

// Close writes the last chunk and the signature. The bundle is complete
// only if Close returns nil; on any error, discard what was written.
func (e *Encoder) Close() error {
	if e.done || e.err != nil {
		return e.err
	}
	e.done = true
	if e.n != e.hdr.Count {
		return e.fail(errf(ErrMalformed, "%d ops encoded, the header's count is %d", e.n, e.hdr.Count))
	}
	err := e.zw.Close()
	e.release()
	if err != nil {
		return e.fail(err)
	}
	if err := e.cw.Close(); err != nil {
		return e.fail(err)
	}
	e.out.inBody = false
	sig := ed25519.Sign(e.sign, signedMessage(e.pre, e.out.body.Sum(nil)))
	e.out.limit += SignatureSize
	if _, err := e.out.Write(sig); err != nil {
		return e.fail(err)
	}
	e.out.all.Sum(e.sum[:0])
	return nil
}

// Sum is SHA-256 of the whole bundle as written, valid after Close: the
// value the sender's next bundle carries as Header.Prev.
func (e *Encoder) Sum() [32]byte { return e.sum }

// Size is the number of bytes written so far.
func (e *Encoder) Size() int64 { return e.out.n }

// Sealed describes a bundle Seal wrote.
type Sealed struct {
	Header Header   // as written, with keys and ephemeral filled in
	Sum    [32]byte // SHA-256 of the bundle: the next bundle's Prev
	Size   int64    // bytes written
}

// Seal writes one bundle holding ops. h must describe ops (Header.Cover
// does that); see NewEncoder.
func Seal(w io.Writer, h Header, ops []Op, from Identity, to PublicIdentity, rand io.Reader) (Sealed, error) {
	e, err := NewEncoder(w, h, from, to, rand)
	if err != nil {
		return Sealed{}, err
	}
	for _, op := range ops {
		if err := e.Encode(op); err != nil {
			return Sealed{}, err
		}
	}
	if err := e.Close(); err != nil {
		return Sealed{}, err
	}
	return Sealed{Header: e.Header(), Sum: e.Sum(), Size: e.Size()}, nil
}

// TrustFunc returns the Ed25519 key the receiver trusts for the sender the
// header names (h.Sender, h.SenderKey), or an error if it trusts none. The
// header is not yet authenticated when it is called. The decoder checks
// that the key's fingerprint is h.SenderKey.
type TrustFunc func(h Header) (ed25519.PublicKey, error)

// Opener opens bundles sealed to Me from senders Trust knows.
type Opener struct {
	Me    Identity
	Trust TrustFunc
	Limits
}

// Decoder reads the ops of one bundle whose signature has been verified.
type Decoder struct {
	hdr  Header
	sum  [32]byte
	size int64
	cr   *chunkReader
	zr   *zstd.Decoder
	body *limitReader
	br   *bufio.Reader
	long []byte // a line longer than br's buffer
	max  int    // MaxOpBytes
	n    uint32
	err  error // sticky
}

// NewDecoder reads a whole bundle from r and verifies it before it
// returns, in this order: magic and version; header (ErrWrongRecipient if
// it is not for o.Me, ErrUnknownSender if o.Trust refuses the sender);
// frames, buffered in memory up to MaxBundleBytes (ErrTooLarge,
// ErrTruncated); signature (ErrBadSignature). Only then does it derive the
// key; ops are decrypted and decompressed chunk by chunk as Next asks.
//
// Why buffer: the signature is in the trailer, so that a sender can
// stream, and no plaintext may reach the caller before it verifies. The
// alternative, reading a seekable input twice, saves memory only for
// bundles far beyond what a sync batch holds, and would not work for an
// upload streamed off the network. 64 MiB (the default bound) of
// compressed ops is several hundred thousand ops.
//
// The decoder reads nothing after the signature. Open also insists the
// input ends there.
func (o *Opener) NewDecoder(r io.Reader) (*Decoder, error) {
	if o.Me.IsZero() || o.Trust == nil {
		return nil, errors.New("syncproto: open: Opener needs Me and Trust")
	}
	lim := o.Limits.withDefaults()
	all := sha256.New()
	tr := io.TeeReader(r, all)

	h, pre, err := readPreamble(tr)
	if err != nil {
		return nil, err
	}
	if want := o.Me.Public().BoxFingerprint(); h.RecipientKey != want {
		return nil, errf(ErrWrongRecipient, "bundle %s is for key %s, this is %s", h.ID, h.RecipientKey, want)
	}
	pub, err := o.Trust(h)
	if err != nil {
		return nil, fmt.Errorf("%w: %s (key %s): %w", ErrUnknownSender, h.Sender, h.SenderKey, err)
	}
	if len(pub) != ed25519.PublicKeySize || fingerprint(pub) != h.SenderKey {
		return nil, errf(ErrUnknownSender, "%s: the trusted key is not %s", h.Sender, h.SenderKey)
	}
	budget := lim.MaxBundleBytes - int64(len(pre)) - SignatureSize
	frames, digest, bodySize, err := readFrames(tr, budget)
	if err != nil {
		return nil, err
	}
	sig := make([]byte, SignatureSize)
	if err := readFull(tr, sig, "signature"); err != nil {
		return nil, err
	}
	if !ed25519.Verify(pub, signedMessage(pre, digest[:]), sig) {
		return nil, errf(ErrBadSignature, "bundle %s from %s", h.ID, h.Sender)
	}

	// Authentic from here on: what fails now, the sender wrote.
	eph, err := ecdh.X25519().NewPublicKey(h.Ephemeral[:])
	if err != nil {
		return nil, errf(ErrMalformed, "ephemeral key: %v", err)
	}
	shared, err := o.Me.box.ECDH(eph)
	if err != nil {
		return nil, errf(ErrMalformed, "ephemeral key: %v", err)
	}
	me := o.Me.Public().Box
	key, err := deriveKey(shared, h.Ephemeral[:], me[:], pre)
	if err != nil {
		return nil, err
	}
	d := &Decoder{hdr: h, size: int64(len(pre)) + bodySize + SignatureSize}
	all.Sum(d.sum[:0])
	d.cr = &chunkReader{key: key, frames: frames}
	if d.zr, err = getZstdDecoder(d.cr); err != nil {
		return nil, d.bodyErr(err)
	}
	d.body = &limitReader{r: d.zr, left: lim.MaxBodyBytes}
	d.br = bufio.NewReaderSize(d.body, min(lim.MaxOpBytes, lineBufSize))
	d.max = lim.MaxOpBytes
	return d, nil
}

// Header is the verified header.
func (d *Decoder) Header() Header { return d.hdr }

// Sum is SHA-256 of the whole bundle, as Encoder.Sum: what the sender's
// next bundle must carry as Prev.
func (d *Decoder) Sum() [32]byte { return d.sum }

// Size is the bundle's length in bytes.
func (d *Decoder) Size() int64 { return d.size }

// Next returns the next op, or io.EOF after the last one once the body has
// been checked to the end (every chunk authentic, Count ops, each within
// the header's ranges). An op is released only after the signature has
// verified; but an error can still come after some ops (the sender sealed
// a bad body), so apply the ops in one transaction and commit only at
// io.EOF. Open does that for you, in memory.
func (d *Decoder) Next() (Op, error) {
	if d.err != nil {
		return Op{}, d.err
	}
	line, err := d.readLine()
	switch {
	case err == io.EOF && len(line) == 0:
		if !d.cr.done() {
			return Op{}, d.fail(errf(ErrMalformed, "compressed body ends before the last chunk"))
		}
		if d.n != d.hdr.Count {
			return Op{}, d.fail(errf(ErrMalformed, "%d ops, the header's count is %d", d.n, d.hdr.Count))
		}
		d.err = io.EOF
		return Op{}, io.EOF
	case err == io.EOF:
		return Op{}, d.fail(errf(ErrMalformed, "last op has no newline"))
	case err == errLineTooLong:
		return Op{}, d.fail(errf(ErrTooLarge, "op %d is over %d bytes", d.n+1, d.max))
	case err != nil:
		return Op{}, d.fail(d.bodyErr(err))
	}
	d.n++
	if d.n > d.hdr.Count {
		return Op{}, d.fail(errf(ErrMalformed, "more ops than the header's count %d", d.hdr.Count))
	}
	op, err := parseOp(line)
	if err != nil {
		return Op{}, d.fail(errf(ErrMalformed, "op %d: %v", d.n, err))
	}
	if err := d.hdr.covers(op); err != nil {
		return Op{}, d.fail(errf(ErrMalformed, "%v", err))
	}
	return op, nil
}

var errLineTooLong = errors.New("line too long")

// readLine reads up to and including the next '\n', at most d.max bytes.
func (d *Decoder) readLine() ([]byte, error) {
	line, err := d.br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return line, err
	}
	d.long = append(d.long[:0], line...)
	for {
		if len(d.long) > d.max {
			return nil, errLineTooLong
		}
		line, err = d.br.ReadSlice('\n')
		d.long = append(d.long, line...)
		if err != bufio.ErrBufferFull {
			if len(d.long) > d.max {
				return nil, errLineTooLong
			}
			return d.long, err
		}
	}
}

// parseOp decodes one JSON line strictly: unknown fields and trailing
// values are errors, so an op is never applied with a part dropped.
func parseOp(line []byte) (Op, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var op Op
	if err := dec.Decode(&op); err != nil {
		return Op{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Op{}, errors.New("data after the op")
	}
	return op, nil
}

// bodyErr names an error from below the JSON lines: the chunk reader's own
// (kept, since zstd may not wrap it), the body limit, or else zstd's.
func (d *Decoder) bodyErr(err error) error {
	switch {
	case d.cr.err != nil:
		return d.cr.err
	case errors.Is(err, ErrTooLarge):
		return err
	default:
		return errf(ErrMalformed, "decompressing: %v", err)
	}
}

func (d *Decoder) fail(err error) error {
	d.err = err
	return err
}

// Close releases the decompressor; Next fails after it. It does not check
// the body: Next's io.EOF does.
func (d *Decoder) Close() error {
	if d.zr != nil {
		putZstdDecoder(d.zr)
		d.zr = nil
		if d.err == nil {
			d.err = errors.New("syncproto: decoder closed")
		}
	}
	return nil
}

// Open reads a whole bundle from r, which must end with it, and returns
// its header and ops. On any error it returns no ops (and the zero Header).
func (o *Opener) Open(r io.Reader) (Header, []Op, error) {
	d, err := o.NewDecoder(r)
	if err != nil {
		return Header{}, nil, err
	}
	defer d.Close()
	var one [1]byte
	if n, err := io.ReadFull(r, one[:]); n > 0 {
		return Header{}, nil, errf(ErrMalformed, "data after the signature")
	} else if err != io.EOF {
		return Header{}, nil, fmt.Errorf("syncproto: reading after the signature: %w", err)
	}
	ops := make([]Op, 0, min(d.hdr.Count, 1<<16))
	for {
		op, err := d.Next()
		if err == io.EOF {
			return d.hdr, ops, nil
		}
		if err != nil {
			return Header{}, nil, err
		}
		ops = append(ops, op)
	}
}

// Open reads a whole bundle sealed to me with the default Limits; see
// Opener.Open.
func Open(r io.Reader, me Identity, trust TrustFunc) (Header, []Op, error) {
	o := Opener{Me: me, Trust: trust}
	return o.Open(r)
}

// limitReader fails with ErrTooLarge past its limit (unlike io.LimitReader,
// which would end quietly and let a truncated body pass for a short one).
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left == 0 {
		// At the limit, only the end of the body may follow.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, errf(ErrTooLarge, "decompressed body is over the limit")
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
