package syncproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"testing"
)

// testReturn is a return file for alice: two receipts and the hub's
// downstream bundle, and its parts.
func testReturn(t testing.TB, withBundle bool) (file []byte, receipts [][]byte, bundle []byte) {
	t.Helper()
	alice, hub := testIdentity(t, "alice"), testIdentity(t, "hub")
	r1 := testReceipt()
	r2 := testReceipt()
	r2.BundleID, r2.Status, r2.Message = "0194f3a0-0000-7000-8000-000000000002", ReceiptHeld, "menunggu"
	receipts = [][]byte{signT(t, r1, hub), signT(t, r2, hub)}
	if withBundle {
		ops := syntheticOps(3)
		for i := range ops {
			ops[i].DeviceID = HubSender
		}
		h := testHeader(ops)
		h.Sender = HubSender
		h.Cover(ops)
		bundle, _ = sealT(t, ops, h, hub, alice)
	}
	var buf bytes.Buffer
	if err := WriteReturn(&buf, receipts, bundle); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), receipts, bundle
}

func TestReturnRoundTrip(t *testing.T) {
	alice, hub := testIdentity(t, "alice"), testIdentity(t, "hub")
	for _, withBundle := range []bool{false, true} {
		file, receipts, bundle := testReturn(t, withBundle)
		gotR, gotB, err := ReadReturn(bytes.NewReader(file), 0)
		if err != nil {
			t.Fatalf("bundle %v: %v", withBundle, err)
		}
		if !reflect.DeepEqual(gotR, receipts) || !bytes.Equal(gotB, bundle) || (gotB == nil) != !withBundle {
			t.Fatalf("bundle %v: round trip differs", withBundle)
		}
		for _, rc := range gotR {
			if _, err := VerifyReceipt(rc, hub.Public().Sign); err != nil {
				t.Fatal(err)
			}
		}
		if withBundle {
			h, ops, err := Open(bytes.NewReader(gotB), alice, trustOnly(hub.Public()))
			if err != nil || len(ops) != 3 || h.Sender != HubSender {
				t.Fatalf("open downstream bundle: %v (%d ops)", err, len(ops))
			}
		}
		// The layout, pinned.
		if string(file[:8]) != "JMPTRETN" || file[8] != 1 || binary.BigEndian.Uint16(file[9:]) != 2 ||
			int(binary.BigEndian.Uint32(file[11:])) != len(receipts[0]) {
			t.Fatalf("layout: % x", file[:15])
		}
	}
}

func TestReadReturnErrors(t *testing.T) {
	file, receipts, bundle := testReturn(t, true)
	noBundle, _, _ := testReturn(t, false)
	flagAt := len(file) - len(bundle) - 1

	set := func(b []byte, at int, v ...byte) []byte {
		b = bytes.Clone(b)
		copy(b[at:], v)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		max  int64
		want error
	}{
		{"empty", nil, 0, ErrTruncated},
		{"short magic", []byte("JMPT"), 0, ErrTruncated},
		{"garbage", []byte("hello, world"), 0, ErrBadMagic},
		{"short garbage", []byte("X"), 0, ErrBadMagic},
		{"a bundle", bundle, 0, ErrBadMagic},
		{"version 2", set(file, 8, 2), 0, ErrUnknownVersion},
		{"version 0", set(file, 8, 0), 0, ErrUnknownVersion},
		{"no count", file[:9], 0, ErrTruncated},
		{"half count", file[:10], 0, ErrTruncated},
		{"count 0", set(file, 9, 0, 0), 0, ErrMalformed},
		{"count 65", set(file, 9, 0, 65), 0, ErrTooLarge},
		{"count max", set(file, 9, 0xff, 0xff), 0, ErrTooLarge},
		{"count 3", set(file, 9, 0, 3), 0, ErrTooLarge}, // the flag and the bundle magic read as a length
		{"count 1", set(noBundle, 9, 0, 1), 0, ErrMalformed},
		{"no length", file[:11], 0, ErrTruncated},
		{"half length", file[:13], 0, ErrTruncated},
		{"receipt empty", set(file, 11, 0, 0, 0, 0), 0, ErrMalformed},
		{"receipt over 64 KiB", set(file, 11, 0, 1, 0, 1), 0, ErrTooLarge},
		{"receipt 4 GiB", set(file, 11, 0xff, 0xff, 0xff, 0xff), 0, ErrTooLarge},
		{"receipt cut", file[:11+4+len(receipts[0])/2], 0, ErrTruncated},
		{"second receipt cut", file[:11+4+len(receipts[0])+4+3], 0, ErrTruncated},
		{"no flag", file[:flagAt], 0, ErrTruncated},
		{"flag 2", set(file, flagAt, 2), 0, ErrMalformed},
		{"flag 0 with bundle", set(file, flagAt, 0), 0, ErrMalformed},
		{"flag 0 trailing byte", append(bytes.Clone(noBundle), 0), 0, ErrMalformed},
		{"flag 1 no bundle", file[:flagAt+1], 0, ErrTruncated},
		{"bundle over limit", file, int64(len(bundle)) - 1, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, b, err := ReadReturn(bytes.NewReader(tt.in), tt.max)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadReturn: %v, want %v", err, tt.want)
			}
			if r != nil || b != nil {
				t.Errorf("returned data with an error")
			}
		})
	}
	// Exactly at the limit is fine.
	if _, b, err := ReadReturn(bytes.NewReader(file), int64(len(bundle))); err != nil || len(b) != len(bundle) {
		t.Errorf("bundle at the limit: %v", err)
	}
}

// TestReadReturnBoundsReads: a bundle over the limit is refused after
// reading at most one byte past it, however long the input.
func TestReadReturnBoundsReads(t *testing.T) {
	file, _, bundle := testReturn(t, true)
	cr := &countingReader{r: io.MultiReader(bytes.NewReader(file), zeroReader{})}
	if _, _, err := ReadReturn(cr, int64(len(bundle))); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("endless input: %v", err)
	}
	if cr.n > len(file)+1 {
		t.Errorf("read %d bytes for a limit reached at %d", cr.n, len(file)+1)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestReadReturnReaderError(t *testing.T) {
	file, _, _ := testReturn(t, true)
	boom := errors.New("usb stick removed")
	r := io.MultiReader(bytes.NewReader(file[:20]), iotestErr{boom})
	_, _, err := ReadReturn(r, 0)
	if !errors.Is(err, boom) || isAPISentinel(err) {
		t.Fatalf("reader error: %v", err)
	}
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

func TestWriteReturnRefuses(t *testing.T) {
	rc := []byte(`{}`)
	many := make([][]byte, MaxReturnReceipts+1)
	for i := range many {
		many[i] = rc
	}
	tests := []struct {
		name     string
		receipts [][]byte
		bundle   []byte
		want     error
	}{
		{"none", nil, nil, ErrMalformed},
		{"too many", many, nil, ErrMalformed},
		{"empty receipt", [][]byte{rc, {}}, nil, ErrMalformed},
		{"receipt too large", [][]byte{make([]byte, MaxReceiptSize+1)}, nil, ErrTooLarge},
		{"bundle too large", [][]byte{rc}, make([]byte, DefaultMaxBundleBytes+1), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteReturn(&buf, tt.receipts, tt.bundle); !errors.Is(err, tt.want) {
				t.Fatalf("WriteReturn: %v, want %v", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes on failure", buf.Len())
			}
		})
	}
	// The most receipts, each the largest, round-trip.
	big := make([][]byte, MaxReturnReceipts)
	for i := range big {
		big[i] = bytes.Repeat([]byte{byte(i)}, MaxReceiptSize)
	}
	var buf bytes.Buffer
	if err := WriteReturn(&buf, big, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := ReadReturn(&buf, 0)
	if err != nil || !reflect.DeepEqual(got, big) {
		t.Fatalf("largest return file: %v", err)
	}
}
