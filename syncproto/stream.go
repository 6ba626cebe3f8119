package syncproto

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// The body is sealed the way age seals a payload (STREAM, Hoang, Reyhanitabar,
// Rogaway and Vizár, 2015): a sequence of XChaCha20-Poly1305 chunks of
// ChunkSize plaintext bytes, each with the nonce
//
//	prefix (15 bytes) || chunk counter (8 bytes, big-endian, from 0) || last (1 byte: 0x01 on the final chunk, else 0x00)
//
// so a chunk moved, dropped or repeated, a stream cut at a chunk boundary,
// or a final chunk made non-final fails authentication. Every chunk but the
// last holds exactly ChunkSize bytes; the last holds 0..ChunkSize, and is
// empty only when it is the only chunk (empty plaintext).
const (
	// ChunkSize is the plaintext size of every body chunk but the last.
	ChunkSize = 64 << 10

	tagSize         = chacha20poly1305.Overhead
	maxSealedChunk  = ChunkSize + tagSize
	noncePrefixSize = chacha20poly1305.NonceSizeX - 8 - 1
	frameWordSize   = 4
	frameLast       = 1 << 31 // flag bit of the frame word
)

// Domain separation strings: the protocol, the version and the purpose.
const (
	kdfInfo    = "jemput bundle v1 payload key\x00"
	sigContext = "jemput bundle v1 signature\x00"
)

// payloadKey is the per-bundle AEAD and nonce prefix.
type payloadKey struct {
	aead   cipher.AEAD
	prefix [noncePrefixSize]byte
}

// deriveKey derives the payload key and nonce prefix:
//
//	okm = HKDF-SHA256(ikm  = X25519(ephemeral, recipient),
//	                  salt = ephemeral public || recipient public,
//	                  info = kdfInfo || SHA-256(preamble), 47 bytes)
//	key = okm[:32], nonce prefix = okm[32:47]
//
// The preamble (magic, version, header length, header) is in the info, so
// every field of the header is bound to every chunk: a header moved onto
// another body, or changed in any bit, yields another key and every chunk
// fails. That also stops a second sender re-signing someone else's body
// under its own name: the sender fields are in the header too.
func deriveKey(shared, ephemeral, recipient, preamble []byte) (*payloadKey, error) {
	salt := append(append(make([]byte, 0, 64), ephemeral...), recipient...)
	digest := sha256.Sum256(preamble)
	okm, err := hkdf.Key(sha256.New, shared, salt, kdfInfo+string(digest[:]), chacha20poly1305.KeySize+noncePrefixSize)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(okm[:chacha20poly1305.KeySize])
	if err != nil {
		return nil, err
	}
	k := &payloadKey{aead: aead}
	copy(k.prefix[:], okm[chacha20poly1305.KeySize:])
	return k, nil
}

func (k *payloadKey) nonce(counter uint64, last bool) []byte {
	n := make([]byte, 0, chacha20poly1305.NonceSizeX)
	n = append(n, k.prefix[:]...)
	n = binary.BigEndian.AppendUint64(n, counter)
	if last {
		return append(n, 1)
	}
	return append(n, 0)
}

// chunkWriter seals what is written to it into frames written to w. A
// frame is a 4-byte big-endian word (sealed length, with frameLast set on
// the final chunk) followed by the sealed chunk. It holds back a full chunk
// until more data arrives, so it knows which chunk is the last.
type chunkWriter struct {
	key *payloadKey
	w   io.Writer
	buf []byte // pending plaintext, at most ChunkSize
	out []byte // frame scratch
	n   uint64 // chunks written
}

func newChunkWriter(key *payloadKey, w io.Writer) *chunkWriter {
	return &chunkWriter{
		key: key,
		w:   w,
		buf: make([]byte, 0, ChunkSize),
		out: make([]byte, frameWordSize+maxSealedChunk),
	}
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if len(c.buf) == ChunkSize {
			if err := c.flush(false); err != nil {
				return written, err
			}
		}
		k := copy(c.buf[len(c.buf):ChunkSize], p)
		c.buf = c.buf[:len(c.buf)+k]
		p = p[k:]
		written += k
	}
	return written, nil
}

// Close seals what is pending as the last chunk.
func (c *chunkWriter) Close() error { return c.flush(true) }

func (c *chunkWriter) flush(last bool) error {
	sealed := c.key.aead.Seal(c.out[frameWordSize:frameWordSize], c.key.nonce(c.n, last), c.buf, nil)
	word := uint32(len(sealed))
	if last {
		word |= frameLast
	}
	binary.BigEndian.PutUint32(c.out, word)
	c.n++
	c.buf = c.buf[:0]
	_, err := c.w.Write(c.out[:frameWordSize+len(sealed)])
	return err
}

// frame is one sealed chunk, as read.
type frame struct {
	sealed []byte
	last   bool
}

// readFrames reads frames from r up to and including the one marked last,
// at most limit bytes in all, and returns them with the SHA-256 of their
// bytes (words included) and their total size. It checks the framing
// (sizes, a single last chunk) but decrypts nothing. Every length is
// checked against the limit before anything is allocated for it, and each
// chunk gets its own buffer, so memory is the bytes actually read.
func readFrames(r io.Reader, limit int64) (frames []frame, digest [32]byte, size int64, err error) {
	h := sha256.New()
	for i := 0; ; i++ {
		if size+frameWordSize > limit {
			return nil, digest, 0, errf(ErrTooLarge, "body is over %d bytes", limit)
		}
		var word [frameWordSize]byte
		if err := readFull(r, word[:], "chunk frame"); err != nil {
			return nil, digest, 0, err
		}
		w := binary.BigEndian.Uint32(word[:])
		last, n := w&frameLast != 0, int(w&^frameLast)
		switch {
		case n > maxSealedChunk:
			return nil, digest, 0, errf(ErrTooLarge, "chunk %d is %d bytes, over %d", i, n, maxSealedChunk)
		case n < tagSize:
			return nil, digest, 0, errf(ErrMalformed, "chunk %d is %d bytes, under %d", i, n, tagSize)
		case !last && n != maxSealedChunk:
			return nil, digest, 0, errf(ErrMalformed, "chunk %d is short but not last", i)
		case last && n == tagSize && i > 0:
			return nil, digest, 0, errf(ErrMalformed, "chunk %d is an empty last chunk after others", i)
		case size+frameWordSize+int64(n) > limit:
			return nil, digest, 0, errf(ErrTooLarge, "body is over %d bytes", limit)
		}
		sealed := make([]byte, n)
		if err := readFull(r, sealed, "chunk"); err != nil {
			return nil, digest, 0, err
		}
		h.Write(word[:])
		h.Write(sealed)
		size += frameWordSize + int64(n)
		frames = append(frames, frame{sealed: sealed, last: last})
		if last {
			h.Sum(digest[:0])
			return frames, digest, size, nil
		}
	}
}

// chunkReader opens the frames readFrames found, in order, in place, and
// reads out the plaintext. Its first error is kept in err, because the
// decompressor above it may not pass it on intact.
type chunkReader struct {
	key     *payloadKey
	frames  []frame
	i       int
	pending []byte
	err     error
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if c.i == len(c.frames) {
			return 0, io.EOF
		}
		f := c.frames[c.i]
		pt, err := c.key.aead.Open(f.sealed[:0], c.key.nonce(uint64(c.i), f.last), f.sealed, nil)
		if err != nil {
			c.err = errf(ErrTampered, "chunk %d of %d", c.i, len(c.frames))
			return 0, c.err
		}
		c.pending = pt
		c.i++
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// done reports whether every chunk was opened and read.
func (c *chunkReader) done() bool { return c.err == nil && c.i == len(c.frames) && len(c.pending) == 0 }
