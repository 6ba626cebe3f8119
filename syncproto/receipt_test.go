package syncproto

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func testReceipt() Receipt {
	return Receipt{
		BundleID: "0194f3a0-0000-7000-8000-000000000001", DeviceID: testDevice,
		Sum:      strings.Repeat("5a", 32),
		SeqFirst: 1, SeqLast: 40, AckedSeq: 40,
		Status:  ReceiptApplied,
		Applied: 38, Conflicts: 1, Duplicates: 2,
		Message:    "Diterima <semua> & tersimpan", // HTML characters stay as they are
		ReceivedAt: testTime.Add(1500 * time.Millisecond).In(time.FixedZone("WITA", 8*3600)),
	}
}

func signT(t testing.TB, r Receipt, hub Identity) []byte {
	t.Helper()
	b, err := SignReceipt(r, hub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReceiptRoundTrip(t *testing.T) {
	hub := testIdentity(t, "hub")
	for _, st := range []ReceiptStatus{ReceiptApplied, ReceiptHeld, ReceiptQuarantined} {
		t.Run(string(st), func(t *testing.T) {
			in := testReceipt()
			in.Status = st
			b := signT(t, in, hub)
			if !bytes.HasPrefix(b, []byte(`{"receipt":{"bundle_id":`)) || !bytes.Contains(b, []byte(`},"signature":"`)) {
				t.Fatalf("envelope: %s", b)
			}
			if !bytes.Contains(b, []byte(`<semua> &`)) {
				t.Errorf("message escaped: %s", b)
			}
			got, err := VerifyReceipt(b, hub.Public().Sign)
			if err != nil {
				t.Fatal(err)
			}
			want := in
			want.Hub = hub.Public().SignFingerprint()
			want.ReceivedAt = in.ReceivedAt.UTC()
			if !got.ReceivedAt.Equal(want.ReceivedAt) || got.ReceivedAt.Location() != time.UTC {
				t.Errorf("received at %v, want %v", got.ReceivedAt, want.ReceivedAt)
			}
			got.ReceivedAt, want.ReceivedAt = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			// Signing is deterministic: the same receipt gives the same bytes.
			if again := signT(t, in, hub); !bytes.Equal(again, b) {
				t.Errorf("signing twice gave different bytes")
			}
		})
	}
}

func TestReceiptJSONNames(t *testing.T) {
	b := signT(t, testReceipt(), testIdentity(t, "hub"))
	var env struct{ Receipt map[string]any }
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range env.Receipt {
		names = append(names, k)
	}
	want := []string{"acked_seq", "applied", "bundle_id", "conflicts", "device_id", "duplicates", "hub", "message", "received_at", "seq_first", "seq_last", "status", "sum"}
	for _, k := range want {
		if _, ok := env.Receipt[k]; !ok {
			t.Errorf("no %q in %v", k, names)
		}
	}
	if len(names) != len(want) {
		t.Errorf("fields %v, want %v", names, want)
	}
}

// resign replaces the receipt in a signed envelope with raw and signs it
// with key: a hub that signs what it likes.
func resign(raw []byte, hub Identity) []byte {
	sig := ed25519.Sign(hub.sign, receiptMessage(raw))
	return []byte(`{"receipt":` + string(raw) + `,"signature":"` + base64.StdEncoding.EncodeToString(sig) + `"}`)
}

// rawOf is the receipt JSON inside an envelope.
func rawOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var env signedReceipt
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	return env.Receipt
}

func TestReceiptTamper(t *testing.T) {
	hub := testIdentity(t, "hub")
	key := hub.Public().Sign
	good := signT(t, testReceipt(), hub)
	raw := rawOf(t, good)
	sig := good[bytes.LastIndex(good, []byte(`"signature":"`))+len(`"signature":"`) : len(good)-2]

	// Re-marshalled through a map: the same receipt, keys sorted.
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	reordered, _ := json.Marshal(m)
	var indented bytes.Buffer
	_ = json.Indent(&indented, raw, "", "  ")

	swap := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("%q not in %s", old, good)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	withRaw := func(r []byte) []byte {
		return []byte(`{"receipt":` + string(r) + `,"signature":"` + string(sig) + `"}`)
	}
	tests := []struct {
		name string
		in   []byte
		key  ed25519.PublicKey
		want error
	}{
		{"bundle id", swap(`8000-000000000001"`, `8000-000000000002"`), key, ErrBadSignature},
		{"device id", swap(testDevice, "0194f3a0-0000-7000-8000-00000000abce"), key, ErrBadSignature},
		{"sum", swap(`"sum":"5a`, `"sum":"5b`), key, ErrBadSignature},
		{"seq first", swap(`"seq_first":1`, `"seq_first":2`), key, ErrBadSignature},
		{"seq last", swap(`"seq_last":40`, `"seq_last":41`), key, ErrBadSignature},
		{"acked seq", swap(`"acked_seq":40`, `"acked_seq":99`), key, ErrBadSignature},
		{"status", swap(`"applied"`, `"held"`), key, ErrBadSignature},
		{"applied", swap(`"applied":38`, `"applied":39`), key, ErrBadSignature},
		{"conflicts", swap(`"conflicts":1`, `"conflicts":0`), key, ErrBadSignature},
		{"duplicates", swap(`"duplicates":2`, `"duplicates":3`), key, ErrBadSignature},
		{"message", swap(`Diterima`, `Ditolak`), key, ErrBadSignature},
		{"received at", swap(`09:00:01.5Z`, `09:00:02.5Z`), key, ErrBadSignature},
		{"hub", swap(`"hub":"`+hub.Public().SignFingerprint().String()[:4], `"hub":"0000`), key, ErrBadSignature},
		{"signature", swap(`"signature":"`, `"signature":"A`), key, ErrMalformed}, // no longer 64 bytes
		{"signature bit", flipSig(t, good), key, ErrBadSignature},
		{"reordered", withRaw(reordered), key, ErrBadSignature},
		{"indented", withRaw(indented.Bytes()), key, ErrBadSignature},
		{"trailing space in receipt", withRaw(append(bytes.TrimSuffix(bytes.Clone(raw), []byte("}")), []byte(" }")...)), key, ErrBadSignature},
		{"wrong key", good, testIdentity(t, "mallory").Public().Sign, ErrBadSignature},
		{"short key", good, key[:16], ErrBadSignature},
		{"signed by another key", signT(t, testReceipt(), testIdentity(t, "mallory")), key, ErrBadSignature},
		// Signed by the hub key but naming another: refused.
		{"names another hub", resign(bytes.Replace(raw, []byte(hub.Public().SignFingerprint().String()),
			[]byte(testIdentity(t, "mallory").Public().SignFingerprint().String()), 1), hub), key, ErrBadSignature},
		// Signed by the hub, but the hub wrote it wrong.
		{"signed bad status", resign(bytes.Replace(raw, []byte(`"applied"`), []byte(`"lost"`), 1), hub), key, ErrMalformed},
		{"signed unknown field", resign(bytes.Replace(raw, []byte(`{`), []byte(`{"extra":1,`), 1), hub), key, ErrMalformed},
		{"signed null", resign([]byte(`null`), hub), key, ErrMalformed},
		{"signed array", resign([]byte(`[1]`), hub), key, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := VerifyReceipt(tt.in, tt.key)
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyReceipt: %v, want %v", err, tt.want)
			}
			if !reflect.DeepEqual(r, Receipt{}) {
				t.Errorf("returned %+v with an error", r)
			}
		})
	}
	// The envelope itself is not signed: spacing around the receipt is
	// free, the receipt bytes are not.
	spaced := []byte(" {\n \"receipt\" : " + string(raw) + " ,\n\"signature\": \"" + string(sig) + "\" }\n")
	if _, err := VerifyReceipt(spaced, key); err != nil {
		t.Errorf("re-spaced envelope: %v", err)
	}
}

func TestVerifyReceiptGarbage(t *testing.T) {
	hub := testIdentity(t, "hub")
	good := signT(t, testReceipt(), hub)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"truncated", good[:len(good)/2], ErrMalformed},
		{"one short", good[:len(good)-1], ErrMalformed},
		{"trailing", append(bytes.Clone(good), `{}`...), ErrMalformed},
		{"not json", []byte("JMPTBNDL\x01"), ErrMalformed},
		{"no receipt", []byte(`{"signature":"` + base64.StdEncoding.EncodeToString(make([]byte, 64)) + `"}`), ErrMalformed},
		{"no signature", []byte(`{"receipt":{}}`), ErrMalformed},
		{"extra field", bytes.Replace(good, []byte(`{"receipt"`), []byte(`{"x":1,"receipt"`), 1), ErrMalformed},
		{"signature not base64", []byte(`{"receipt":{},"signature":"!!"}`), ErrMalformed},
		{"too large", append(bytes.Clone(good), bytes.Repeat([]byte(" "), MaxReceiptSize)...), ErrTooLarge},
		{"just too large", bytes.Repeat([]byte("{"), MaxReceiptSize+1), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := VerifyReceipt(tt.in, hub.Public().Sign); !errors.Is(err, tt.want) {
				t.Fatalf("VerifyReceipt: %v, want %v", err, tt.want)
			}
		})
	}
	// At the limit, whitespace padding is still a receipt.
	padded := append(bytes.Clone(good), bytes.Repeat([]byte(" "), MaxReceiptSize-len(good))...)
	if _, err := VerifyReceipt(padded, hub.Public().Sign); err != nil {
		t.Errorf("receipt of exactly MaxReceiptSize: %v", err)
	}
}

func TestSignReceiptRefuses(t *testing.T) {
	hub := testIdentity(t, "hub")
	tests := []struct {
		name   string
		change func(r *Receipt)
	}{
		{"bundle id", func(r *Receipt) { r.BundleID = "b1" }},
		{"device id", func(r *Receipt) { r.DeviceID = "" }},
		{"device id long", func(r *Receipt) { r.DeviceID = strings.Repeat("d", MaxSenderLen+1) }},
		{"sum", func(r *Receipt) { r.Sum = "abc" }},
		{"seq reversed", func(r *Receipt) { r.SeqFirst = 41 }},
		{"status", func(r *Receipt) { r.Status = "" }},
		{"negative", func(r *Receipt) { r.Duplicates = -1 }},
		{"no time", func(r *Receipt) { r.ReceivedAt = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testReceipt()
			tt.change(&r)
			if _, err := SignReceipt(r, hub); !errors.Is(err, ErrMalformed) {
				t.Fatalf("SignReceipt: %v, want ErrMalformed", err)
			}
		})
	}
	if _, err := SignReceipt(testReceipt(), Identity{}); err == nil {
		t.Error("signed with a zero identity")
	}
}

// TestSignReceiptLongMessage: a long or broken message is shortened, not
// refused, and the receipt stays well under MaxReceiptSize.
func TestSignReceiptLongMessage(t *testing.T) {
	hub := testIdentity(t, "hub")
	r := testReceipt()
	r.Message = strings.Repeat("\x01é", MaxReceiptMessage) + "\xff"
	b := signT(t, r, hub)
	if len(b) > MaxReceiptSize/2 {
		t.Errorf("signed receipt is %d bytes", len(b))
	}
	got, err := VerifyReceipt(b, hub.Public().Sign)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Message) > MaxReceiptMessage || !strings.HasPrefix(r.Message, got.Message) {
		t.Errorf("message of %d bytes not a prefix", len(got.Message))
	}
	if got := shorten("ab\xffc", 10); got != "ab\uFFFDc" {
		t.Errorf("shorten: %q", got)
	}
	if got := shorten("aé", 2); got != "a" {
		t.Errorf("shorten cut a character: %q", got)
	}
}

// flipSig flips one bit of the signature in an envelope.
func flipSig(t testing.TB, b []byte) []byte {
	t.Helper()
	var env signedReceipt
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	env.Signature[10] ^= 4
	return []byte(`{"receipt":` + string(env.Receipt) + `,"signature":"` + base64.StdEncoding.EncodeToString(env.Signature) + `"}`)
}
