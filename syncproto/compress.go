package syncproto

import (
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// The body is one zstd stream. Building a zstd encoder costs megabytes of
// tables and milliseconds, more than sealing a small bundle, so encoders
// and decoders are pooled and Reset per bundle.
const (
	zstdWindow    = 256 << 10 // what the encoder uses: ops are small; 8 MiB compresses no better
	maxZstdWindow = 8 << 20   // the most history a decoder will allocate (other encoders may use more than we do)
)

var (
	zstdEncoders sync.Pool
	zstdDecoders sync.Pool
)

func getZstdEncoder(w io.Writer) (*zstd.Encoder, error) {
	if e, ok := zstdEncoders.Get().(*zstd.Encoder); ok {
		e.Reset(w)
		return e, nil
	}
	return zstd.NewWriter(w,
		zstd.WithEncoderConcurrency(1), // deterministic output, no goroutines
		// 10% smaller than SpeedDefault on op JSON, and still faster than
		// encoding/json makes the lines: field links are slow, CPU is not.
		zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
		zstd.WithWindowSize(zstdWindow),
		zstd.WithEncoderCRC(false), // the AEAD already authenticates every byte
	)
}

func putZstdEncoder(e *zstd.Encoder) {
	e.Reset(nil) // drop the writer
	zstdEncoders.Put(e)
}

func getZstdDecoder(r io.Reader) (*zstd.Decoder, error) {
	if d, ok := zstdDecoders.Get().(*zstd.Decoder); ok {
		if err := d.Reset(r); err != nil {
			d.Close()
			return nil, err
		}
		return d, nil
	}
	return zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1), // synchronous: no goroutines to leak
		zstd.WithDecoderMaxWindow(maxZstdWindow),
		zstd.WithDecoderMaxMemory(maxZstdWindow),
	)
}

func putZstdDecoder(d *zstd.Decoder) {
	_ = d.Reset(nil) // drop the reader, and the bundle it holds
	zstdDecoders.Put(d)
}
