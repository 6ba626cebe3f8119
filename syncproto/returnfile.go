package syncproto

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Return file constants. The layout is documented on WriteReturn.
const (
	// ReturnMagic starts every return file. It differs from Magic, so a
	// bundle taken for a return file (or the reverse) is refused at once.
	ReturnMagic = "JMPTRETN"
	// ReturnVersion is the return file version this package writes and
	// reads.
	ReturnVersion = 1
	// MaxReturnReceipts bounds the receipts in one return file: one for
	// the bundle imported, and those of held bundles it released.
	MaxReturnReceipts = 64
)

// WriteReturn writes the return file the hub gives back for a bundle that
// came on a USB stick: the signed receipts (as SignReceipt returns them)
// and, if bundle is not empty, one downstream bundle sealed to the device
// (as Seal writes it). The officer imports it on the laptop. Byte by byte
// (integers big-endian):
//
//	0  8  magic "JMPTRETN"
//	8  1  version, 0x01
//	9  2  receipt count N (1..64)
//	   N times:
//	      4  length L (1..MaxReceiptSize)
//	      L  signed receipt
//	   1  flag: 0x00 no bundle follows, 0x01 a bundle follows
//	   *  with flag 1: the bundle, to the end of the file
//
// The bundle has no length field: it is the rest of the file, and the
// reader bounds it. Nothing here is signed as a whole; each receipt and the
// bundle carry the hub's own signature.
func WriteReturn(w io.Writer, receipts [][]byte, bundle []byte) error {
	if len(receipts) == 0 || len(receipts) > MaxReturnReceipts {
		return errf(ErrMalformed, "return file: %d receipts, must be 1..%d", len(receipts), MaxReturnReceipts)
	}
	if len(bundle) > DefaultMaxBundleBytes {
		return errf(ErrTooLarge, "return file: bundle is %d bytes, over %d", len(bundle), DefaultMaxBundleBytes)
	}
	n := len(ReturnMagic) + 1 + 2 + 1
	for i, rc := range receipts {
		if len(rc) == 0 {
			return errf(ErrMalformed, "return file: receipt %d is empty", i)
		}
		if len(rc) > MaxReceiptSize {
			return errf(ErrTooLarge, "return file: receipt %d is %d bytes, over %d", i, len(rc), MaxReceiptSize)
		}
		n += 4 + len(rc)
	}
	b := make([]byte, 0, n)
	b = append(b, ReturnMagic...)
	b = append(b, ReturnVersion)
	b = binary.BigEndian.AppendUint16(b, uint16(len(receipts)))
	for _, rc := range receipts {
		b = binary.BigEndian.AppendUint32(b, uint32(len(rc)))
		b = append(b, rc...)
	}
	if len(bundle) == 0 {
		b = append(b, 0)
	} else {
		b = append(b, 1)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("syncproto: write return file: %w", err)
	}
	if len(bundle) > 0 {
		if _, err := w.Write(bundle); err != nil {
			return fmt.Errorf("syncproto: write return file: %w", err)
		}
	}
	return nil
}

// ReadReturn reads a return file WriteReturn wrote, to its end. It
// neither verifies the receipts nor opens the bundle: the caller does,
// with VerifyReceipt and an Opener. maxBundle bounds the bundle
// (DefaultMaxBundleBytes if it is zero or less); bundle is nil when the
// file carries none.
//
// Errors: not a return file (a bundle, say), ErrBadMagic; another version,
// ErrUnknownVersion; the input ends early, or the flag promises a bundle
// that is not there, ErrTruncated; a receipt over MaxReceiptSize, more
// than MaxReturnReceipts of them, or a bundle over maxBundle, ErrTooLarge;
// no receipts, an empty receipt, a flag other than 0 or 1, or bytes after
// the flag 0, ErrMalformed.
func ReadReturn(r io.Reader, maxBundle int64) (receipts [][]byte, bundle []byte, err error) {
	if maxBundle <= 0 {
		maxBundle = DefaultMaxBundleBytes
	}
	maxBundle = min(maxBundle, math.MaxInt64-1) // room for the byte past it
	var fixed [len(ReturnMagic) + 1 + 2]byte
	// Magic and version first, so that a short stranger says ErrBadMagic
	// rather than ErrTruncated where it can.
	n, err := io.ReadFull(r, fixed[:len(ReturnMagic)+1])
	if got := fixed[:min(n, len(ReturnMagic))]; string(got) != ReturnMagic[:len(got)] {
		if n >= len(Magic) && string(got) == Magic {
			return nil, nil, errf(ErrBadMagic, "this is a bundle, not a return file")
		}
		return nil, nil, errf(ErrBadMagic, "return file starts with %q", got)
	}
	if err != nil {
		return nil, nil, readErr(err, "return file magic and version")
	}
	if v := fixed[len(ReturnMagic)]; v != ReturnVersion {
		return nil, nil, errf(ErrUnknownVersion, "return file version %d, this reader knows %d", v, ReturnVersion)
	}
	if err := readFull(r, fixed[len(ReturnMagic)+1:], "return file receipt count"); err != nil {
		return nil, nil, err
	}
	count := int(binary.BigEndian.Uint16(fixed[len(ReturnMagic)+1:]))
	if count == 0 {
		return nil, nil, errf(ErrMalformed, "return file holds no receipt")
	}
	if count > MaxReturnReceipts {
		return nil, nil, errf(ErrTooLarge, "return file declares %d receipts, over %d", count, MaxReturnReceipts)
	}
	receipts = make([][]byte, 0, count)
	for i := range count {
		var lb [4]byte
		if err := readFull(r, lb[:], fmt.Sprintf("return file receipt %d length", i)); err != nil {
			return nil, nil, err
		}
		size := binary.BigEndian.Uint32(lb[:])
		if size == 0 {
			return nil, nil, errf(ErrMalformed, "return file receipt %d is empty", i)
		}
		if size > MaxReceiptSize {
			return nil, nil, errf(ErrTooLarge, "return file receipt %d is %d bytes, over %d", i, size, MaxReceiptSize)
		}
		rc := make([]byte, size)
		if err := readFull(r, rc, fmt.Sprintf("return file receipt %d", i)); err != nil {
			return nil, nil, err
		}
		receipts = append(receipts, rc)
	}
	var flag [1]byte
	if err := readFull(r, flag[:], "return file bundle flag"); err != nil {
		return nil, nil, err
	}
	switch flag[0] {
	case 0:
		var extra [1]byte
		if n, _ := io.ReadFull(r, extra[:]); n != 0 {
			return nil, nil, errf(ErrMalformed, "return file has data after its last receipt")
		}
		return receipts, nil, nil
	case 1:
	default:
		return nil, nil, errf(ErrMalformed, "return file bundle flag is %d, not 0 or 1", flag[0])
	}
	// Read one byte past the limit, so that a bundle just over it is told
	// from one that fits, and allocate no more than that.
	bundle, err = io.ReadAll(io.LimitReader(r, maxBundle+1))
	if err != nil {
		return nil, nil, fmt.Errorf("syncproto: reading return file bundle: %w", err)
	}
	if len(bundle) == 0 {
		return nil, nil, errf(ErrTruncated, "return file promises a bundle and ends")
	}
	if int64(len(bundle)) > maxBundle {
		return nil, nil, errf(ErrTooLarge, "return file bundle is over %d bytes", maxBundle)
	}
	return receipts, bundle, nil
}
