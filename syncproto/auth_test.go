package syncproto

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testURI = "/api/v1/uploads/0194f3a0-0000-7000-8000-000000000001?x=1"

var testBody = []byte(`{"bundle_id":"0194f3a0-0000-7000-8000-000000000001","size":1000,"sum":"ab"}`)

// signedHeader signs a POST of testBody to testURI as alice.
func signedHeader(t testing.TB) (http.Header, Identity) {
	t.Helper()
	alice := testIdentity(t, "alice")
	h := http.Header{}
	if err := SignRequest(h, http.MethodPost, testURI, testDevice, testBody, alice, testTime.Add(999*time.Microsecond), seeded("nonce")); err != nil {
		t.Fatal(err)
	}
	return h, alice
}

func TestRequestRoundTrip(t *testing.T) {
	h, alice := signedHeader(t)
	if got := h.Get(HeaderTime); got != strconv.FormatInt(testTime.UnixMilli(), 10) {
		t.Errorf("time header %q", got)
	}
	if n := h.Get(HeaderNonce); len(n) != 32 || !lowerHex(n) {
		t.Errorf("nonce header %q", n)
	}
	a, err := ParseRequestAuth(h)
	if err != nil {
		t.Fatal(err)
	}
	if a.Device != testDevice || !a.Time.Equal(testTime) || a.Time.Location() != time.UTC {
		t.Errorf("parsed %+v", a)
	}
	if err := a.Verify(http.MethodPost, testURI, testBody, alice.Public().Sign); err != nil {
		t.Fatal(err)
	}
	// Through a real request: the client signs URL.RequestURI(), the
	// server sees it as RequestURI.
	req, _ := http.NewRequest(http.MethodGet, "http://hub.example"+APIPrefix+"/changes?after=17&limit=500", nil)
	if err := SignRequest(req.Header, req.Method, req.URL.RequestURI(), testDevice, nil, alice, testTime, seeded("n2")); err != nil {
		t.Fatal(err)
	}
	a, err = ParseRequestAuth(req.Header)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Verify("GET", "/api/v1/changes?after=17&limit=500", nil, alice.Public().Sign); err != nil {
		t.Fatal(err)
	}
	if err := a.Verify("GET", "/api/v1/changes?after=17&limit=500", []byte{}, alice.Public().Sign); err != nil {
		t.Fatalf("empty body differs from nil: %v", err)
	}
}

func TestRequestNoncesDiffer(t *testing.T) {
	alice := testIdentity(t, "alice")
	h1, h2 := http.Header{}, http.Header{}
	r := seeded("nonces")
	_ = SignRequest(h1, "GET", "/", testDevice, nil, alice, testTime, r)
	_ = SignRequest(h2, "GET", "/", testDevice, nil, alice, testTime, r)
	if h1.Get(HeaderNonce) == h2.Get(HeaderNonce) || h1.Get(HeaderSignature) == h2.Get(HeaderSignature) {
		t.Fatal("two requests share a nonce")
	}
}

func TestRequestTamper(t *testing.T) {
	h, alice := signedHeader(t)
	a, err := ParseRequestAuth(h)
	if err != nil {
		t.Fatal(err)
	}
	key := alice.Public().Sign
	tests := []struct {
		name   string
		method string
		uri    string
		body   []byte
		change func(a *RequestAuth)
		key    ed25519.PublicKey
		want   error
	}{
		{"method", "PUT", testURI, testBody, nil, key, ErrBadSignature},
		{"uri path", "POST", strings.Replace(testURI, "0001", "0002", 1), testBody, nil, key, ErrBadSignature},
		{"uri query", "POST", strings.TrimSuffix(testURI, "?x=1"), testBody, nil, key, ErrBadSignature},
		{"body", "POST", testURI, append(bytes.Clone(testBody), ' '), nil, key, ErrBadSignature},
		{"no body", "POST", testURI, nil, nil, key, ErrBadSignature},
		{"device", "POST", testURI, testBody, func(a *RequestAuth) { a.Device = "other-device" }, key, ErrBadSignature},
		{"time", "POST", testURI, testBody, func(a *RequestAuth) { a.Time = a.Time.Add(time.Millisecond) }, key, ErrBadSignature},
		{"nonce", "POST", testURI, testBody, func(a *RequestAuth) { a.Nonce = strings.Repeat("0", 32) }, key, ErrBadSignature},
		{"signature", "POST", testURI, testBody, func(a *RequestAuth) { a.Signature[0] ^= 0x80 }, key, ErrBadSignature},
		{"wrong key", "POST", testURI, testBody, nil, testIdentity(t, "mallory").Public().Sign, ErrBadSignature},
		{"short key", "POST", testURI, testBody, nil, key[:31], ErrBadSignature},
		{"nil key", "POST", testURI, testBody, nil, nil, ErrBadSignature},
		{"newline in uri", "POST", testURI + "\n", testBody, nil, key, ErrBadSignature},
		{"long uri", "POST", "/" + strings.Repeat("a", MaxRequestURILen), testBody, nil, key, ErrBadSignature},
		{"empty method", "", testURI, testBody, nil, key, ErrBadSignature},
		{"unparsed", "POST", testURI, testBody, func(a *RequestAuth) { a.Signature = nil }, key, ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := a
			b.Signature = bytes.Clone(a.Signature)
			if tt.change != nil {
				tt.change(&b)
			}
			if err := b.Verify(tt.method, tt.uri, tt.body, tt.key); !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseRequestAuthRefuses(t *testing.T) {
	sig := base64.StdEncoding.EncodeToString(make([]byte, 64))
	tests := []struct {
		name   string
		change func(h http.Header)
	}{
		{"no device", func(h http.Header) { h.Del(HeaderDevice) }},
		{"empty device", func(h http.Header) { h.Set(HeaderDevice, "") }},
		{"long device", func(h http.Header) { h.Set(HeaderDevice, strings.Repeat("d", MaxSenderLen+1)) }},
		{"device space", func(h http.Header) { h.Set(HeaderDevice, "a b") }},
		{"device non-ascii", func(h http.Header) { h.Set(HeaderDevice, "é") }},
		{"two devices", func(h http.Header) { h.Add(HeaderDevice, "other") }},
		{"no time", func(h http.Header) { h.Del(HeaderTime) }},
		{"time not a number", func(h http.Header) { h.Set(HeaderTime, "12:00") }},
		{"time negative", func(h http.Header) { h.Set(HeaderTime, "-1") }},
		{"time plus", func(h http.Header) { h.Set(HeaderTime, "+1773478800000") }},
		{"time leading zero", func(h http.Header) { h.Set(HeaderTime, "01773478800000") }},
		{"time long", func(h http.Header) { h.Set(HeaderTime, strings.Repeat("9", 40)) }},
		{"time float", func(h http.Header) { h.Set(HeaderTime, "1773478800000.5") }},
		{"no nonce", func(h http.Header) { h.Del(HeaderNonce) }},
		{"nonce short", func(h http.Header) { h.Set(HeaderNonce, strings.Repeat("a", 31)) }},
		{"nonce long", func(h http.Header) { h.Set(HeaderNonce, strings.Repeat("a", 33)) }},
		{"nonce upper", func(h http.Header) { h.Set(HeaderNonce, strings.Repeat("A", 32)) }},
		{"nonce not hex", func(h http.Header) { h.Set(HeaderNonce, strings.Repeat("g", 32)) }},
		{"no signature", func(h http.Header) { h.Del(HeaderSignature) }},
		{"signature short", func(h http.Header) { h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(make([]byte, 63))) }},
		{"signature long", func(h http.Header) { h.Set(HeaderSignature, sig+"AAAA") }},
		{"signature unpadded", func(h http.Header) { h.Set(HeaderSignature, strings.TrimRight(sig, "=")) }},
		{"signature url base64", func(h http.Header) {
			h.Set(HeaderSignature, base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 64)))
		}},
		{"signature garbage", func(h http.Header) { h.Set(HeaderSignature, strings.Repeat("!", len(sig))) }},
		{"two signatures", func(h http.Header) { h.Add(HeaderSignature, sig) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := signedHeader(t)
			tt.change(h)
			a, err := ParseRequestAuth(h)
			if !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("ParseRequestAuth: %v, want ErrUnauthenticated", err)
			}
			if a.Device != "" || a.Signature != nil {
				t.Errorf("returned %+v with an error", a)
			}
		})
	}
}

// TestParseRequestAuthCanonicalKeys: headers match whatever case the
// client or a proxy gave their names.
func TestParseRequestAuthCanonicalKeys(t *testing.T) {
	h, alice := signedHeader(t)
	raw := http.Header{}
	for k, vs := range h {
		raw[strings.ToLower(k)] = vs // as a non-canonicalising map would hold them
	}
	canon := http.Header{}
	for k, vs := range raw {
		for _, v := range vs {
			canon.Add(k, v)
		}
	}
	a, err := ParseRequestAuth(canon)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Verify("POST", testURI, testBody, alice.Public().Sign); err != nil {
		t.Fatal(err)
	}
}

func TestSignRequestRefuses(t *testing.T) {
	alice := testIdentity(t, "alice")
	tests := []struct {
		name        string
		method, uri string
		device      string
		id          Identity
		now         time.Time
		rand        []byte
	}{
		{"zero identity", "GET", "/", testDevice, Identity{}, testTime, make([]byte, 16)},
		{"bad device", "GET", "/", "a b", alice, testTime, make([]byte, 16)},
		{"bad method", "GE T", "/", testDevice, alice, testTime, make([]byte, 16)},
		{"bad uri", "GET", "/a b", testDevice, alice, testTime, make([]byte, 16)},
		{"short rand", "GET", "/", testDevice, alice, testTime, make([]byte, 15)},
		{"before 1970", "GET", "/", testDevice, alice, time.Unix(-1, 0), make([]byte, 16)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if err := SignRequest(h, tt.method, tt.uri, tt.device, nil, tt.id, tt.now, bytes.NewReader(tt.rand)); err == nil {
				t.Fatal("signed")
			}
			if len(h) != 0 {
				t.Errorf("headers set on failure: %v", h)
			}
		})
	}
}
