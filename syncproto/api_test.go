package syncproto

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// apiSentinels are the errors the API helpers may wrap.
var apiSentinels = append(append([]error(nil), sentinels...), ErrUnauthenticated)

func isAPISentinel(err error) bool {
	for _, s := range apiSentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func testEnroll(t testing.TB) (EnrollRequest, Identity) {
	t.Helper()
	alice := testIdentity(t, "alice")
	r, err := NewEnrollRequest("KTP-7731-QX", testDevice, "Petugas Long Bagun", testEpoch, alice, testTime.Add(1234567*time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	return r, alice
}

func TestEnrollRoundTrip(t *testing.T) {
	r, alice := testEnroll(t)
	if err := r.Verify(); err != nil {
		t.Fatalf("fresh request: %v", err)
	}
	if !r.Time.Equal(testTime.Add(time.Millisecond)) {
		t.Errorf("time %v not rounded down to the millisecond", r.Time)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"code":`, `"device_id":`, `"officer":`, `"epoch":`, `"key":"`, `"time":`, `"proof":"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON lacks %s: %s", k, b)
		}
	}
	var got EnrollRequest
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(); err != nil {
		t.Fatalf("after JSON: %v", err)
	}
	if got.Key.SignFingerprint() != alice.Public().SignFingerprint() || got.Key.Box != alice.Public().Box {
		t.Errorf("key did not survive JSON")
	}
}

func TestEnrollTamper(t *testing.T) {
	other := testIdentity(t, "mallory").Public()
	tests := []struct {
		name   string
		change func(r *EnrollRequest)
		want   error
	}{
		{"code", func(r *EnrollRequest) { r.Code = "KTP-7731-QY" }, ErrBadSignature},
		{"device", func(r *EnrollRequest) { r.DeviceID = "0194f3a0-0000-7000-8000-00000000abce" }, ErrBadSignature},
		{"officer", func(r *EnrollRequest) { r.Officer = "Petugas Long Apari" }, ErrBadSignature},
		{"epoch", func(r *EnrollRequest) { r.Epoch = "00112233445566778899aabbccddeefe" }, ErrBadSignature},
		{"sign key", func(r *EnrollRequest) { r.Key.Sign = other.Sign }, ErrBadSignature},
		{"box key", func(r *EnrollRequest) { r.Key.Box = other.Box }, ErrBadSignature},
		{"time", func(r *EnrollRequest) { r.Time = r.Time.Add(time.Millisecond) }, ErrBadSignature},
		{"proof bit", func(r *EnrollRequest) { r.Proof[5] ^= 1 }, ErrBadSignature},
		{"proof short", func(r *EnrollRequest) { r.Proof = r.Proof[:63] }, ErrBadSignature},
		{"proof missing", func(r *EnrollRequest) { r.Proof = nil }, ErrBadSignature},
		{"code empty", func(r *EnrollRequest) { r.Code = "" }, ErrMalformed},
		{"code long", func(r *EnrollRequest) { r.Code = strings.Repeat("A", MaxEnrollCodeLen+1) }, ErrMalformed},
		{"code newline", func(r *EnrollRequest) { r.Code = "KTP\n7731" }, ErrMalformed},
		{"device empty", func(r *EnrollRequest) { r.DeviceID = "" }, ErrMalformed},
		{"device long", func(r *EnrollRequest) { r.DeviceID = strings.Repeat("d", MaxSenderLen+1) }, ErrMalformed},
		{"device space", func(r *EnrollRequest) { r.DeviceID = "a b" }, ErrMalformed},
		{"device hub", func(r *EnrollRequest) { r.DeviceID = HubSender }, ErrMalformed},
		{"epoch upper", func(r *EnrollRequest) { r.Epoch = "AB" }, ErrMalformed},
		{"epoch odd", func(r *EnrollRequest) { r.Epoch = "abc" }, ErrMalformed},
		{"epoch short", func(r *EnrollRequest) { r.Epoch = "a" }, ErrMalformed},
		{"epoch long", func(r *EnrollRequest) { r.Epoch = strings.Repeat("ab", MaxEpochLen+1) }, ErrMalformed},
		{"officer empty", func(r *EnrollRequest) { r.Officer = "" }, ErrMalformed},
		{"officer long", func(r *EnrollRequest) { r.Officer = strings.Repeat("é", MaxOfficerLen/2+1) }, ErrMalformed},
		{"officer bad utf8", func(r *EnrollRequest) { r.Officer = "Petugas \xff" }, ErrMalformed},
		{"officer newline", func(r *EnrollRequest) { r.Officer = "Petugas\nLong" }, ErrMalformed},
		{"key missing", func(r *EnrollRequest) { r.Key = PublicIdentity{} }, ErrMalformed},
		{"key short", func(r *EnrollRequest) { r.Key.Sign = r.Key.Sign[:31] }, ErrMalformed},
		{"time zero", func(r *EnrollRequest) { r.Time = time.Time{} }, ErrMalformed},
		{"time before 1970", func(r *EnrollRequest) { r.Time = time.Unix(-5, 0) }, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := testEnroll(t)
			r.Proof = append([]byte(nil), r.Proof...)
			tt.change(&r)
			if err := r.Verify(); !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestEnrollUTF8Officer(t *testing.T) {
	r, err := NewEnrollRequest("c", "dev-1", "Ñoño Sëtiawan", "ab", testIdentity(t, "alice"), testTime)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestNewEnrollRequestRefuses(t *testing.T) {
	alice := testIdentity(t, "alice")
	if _, err := NewEnrollRequest("c", "dev", "o", "ab", Identity{}, testTime); !errors.Is(err, ErrMalformed) {
		t.Errorf("zero identity: %v", err)
	}
	if _, err := NewEnrollRequest("c", "dev", "o", "XY", alice, testTime); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad epoch: %v", err)
	}
	if _, err := NewEnrollRequest("c", "dev", "", "ab", alice, testTime); !errors.Is(err, ErrMalformed) {
		t.Errorf("no officer: %v", err)
	}
}

// TestEnrollWrongKey: a proof made by another key does not verify.
func TestEnrollWrongKey(t *testing.T) {
	r, _ := testEnroll(t)
	m, err := NewEnrollRequest(r.Code, r.DeviceID, r.Officer, r.Epoch, testIdentity(t, "mallory"), r.Time)
	if err != nil {
		t.Fatal(err)
	}
	r.Proof = m.Proof // mallory's proof on alice's key
	if err := r.Verify(); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify: %v", err)
	}
}

func TestUploadRequestValidate(t *testing.T) {
	ok := UploadRequest{BundleID: "0194f3a0-0000-7000-8000-000000000001", Size: 1000, Sum: strings.Repeat("ab", 32)}
	tests := []struct {
		name   string
		change func(u *UploadRequest)
		max    int64
		want   error
	}{
		{"ok", func(*UploadRequest) {}, 0, nil},
		{"at max", func(u *UploadRequest) { u.Size = 1000 }, 1000, nil},
		{"over max", func(u *UploadRequest) { u.Size = 1001 }, 1000, ErrTooLarge},
		{"over default", func(u *UploadRequest) { u.Size = DefaultMaxBundleBytes + 1 }, 0, ErrTooLarge},
		{"zero size", func(u *UploadRequest) { u.Size = 0 }, 0, ErrMalformed},
		{"negative size", func(u *UploadRequest) { u.Size = -1 }, 0, ErrMalformed},
		{"upper id", func(u *UploadRequest) { u.BundleID = strings.ToUpper(u.BundleID) }, 0, ErrMalformed},
		{"no id", func(u *UploadRequest) { u.BundleID = "" }, 0, ErrMalformed},
		{"short sum", func(u *UploadRequest) { u.Sum = u.Sum[:62] }, 0, ErrMalformed},
		{"upper sum", func(u *UploadRequest) { u.Sum = strings.ToUpper(u.Sum) }, 0, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := ok
			tt.change(&u)
			err := u.Validate(tt.max)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Validate: %v, want %v", err, tt.want)
			}
		})
	}
}

// TestAPIJSONNames pins the wire names: the agent and the hub are built
// from the same types, but older laptops in the field are not.
func TestAPIJSONNames(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{UploadRequest{BundleID: "b", Size: 3, Sum: "s"}, `{"bundle_id":"b","size":3,"sum":"s"}`},
		{UploadStatus{UploadID: "u", BundleID: "b", Offset: 1, Size: 3}, `{"upload_id":"u","bundle_id":"b","offset":1,"size":3,"complete":false}`},
		{UploadStatus{UploadID: "u", BundleID: "b", Offset: 3, Size: 3, Complete: true, Receipt: json.RawMessage(`{"x":1}`)},
			`{"upload_id":"u","bundle_id":"b","offset":3,"size":3,"complete":true,"receipt":{"x":1}}`},
		{ErrorResponse{Error: "Laptop ini dicabut.", Code: CodeRevoked}, `{"error":"Laptop ini dicabut.","code":"revoked"}`},
		{ErrorResponse{Error: "resume", Code: CodeOffsetMismatch, Offset: 65536}, `{"error":"resume","code":"offset_mismatch","offset":65536}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.v)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("got  %s\nwant %s", b, tt.want)
		}
	}
}

func TestEnrollResponseJSON(t *testing.T) {
	hub := testIdentity(t, "hub").Public()
	in := EnrollResponse{DeviceID: testDevice, Officer: "o", Villages: villages, Hub: hub, HubName: "Disdukcapil Mahakam Ulu"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out EnrollResponse
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Hub.SignFingerprint() != hub.SignFingerprint() || out.Hub.BoxFingerprint() != hub.BoxFingerprint() ||
		out.DeviceID != in.DeviceID || out.HubName != in.HubName || len(out.Villages) != len(villages) {
		t.Fatalf("round trip: %+v", out)
	}
	if !strings.Contains(string(b), `"hub_name":`) || !strings.Contains(string(b), `"hub":"`) {
		t.Errorf("JSON names: %s", b)
	}
}
