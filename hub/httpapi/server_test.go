package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/wilayah"
	"github.com/jemputbola/jemput/syncproto"
)

type fixture struct {
	hub *hub.Hub
	srv *httptest.Server
	dev syncproto.Identity
	id  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hubID, _ := syncproto.NewIdentity(rand.Reader)
	tree, _ := wilayah.Load()
	h, err := hub.New(ctx, st, hub.Config{Identity: hubID, Regions: tree})
	if err != nil {
		t.Fatal(err)
	}
	api, err := New(h, filepath.Join(dir, "uploads"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	f := &fixture{hub: h, srv: srv, id: uuid.NewString()}
	f.dev, _ = syncproto.NewIdentity(rand.Reader)
	code, _, err := h.NewEnrolCode(ctx, "Petugas", nil)
	if err != nil {
		t.Fatal(err)
	}
	req, err := syncproto.NewEnrollRequest(code, f.id, "Petugas", "0a0b", f.dev, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Enroll(ctx, req); err != nil {
		t.Fatal(err)
	}
	return f
}

// signed builds a request signed by the fixture's device.
func (f *fixture) signed(t *testing.T, method, path string, body []byte, hdr map[string]string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	if err := syncproto.SignRequest(r.Header, method, r.URL.RequestURI(), f.id, body, f.dev, time.Now(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	return r
}

func send(t *testing.T, r *http.Request) (*http.Response, syncproto.ErrorResponse) {
	t.Helper()
	// Replays need the body again.
	if r.GetBody != nil {
		r.Body, _ = r.GetBody()
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var e syncproto.ErrorResponse
	json.Unmarshal(b, &e)
	return res, e
}

func TestRefusals(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
	}{
		{"unsigned", func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v1/changes", nil)
			return r
		}, 401, "unauthenticated"},
		{"malformed JSON", func() *http.Request {
			return f.signed(t, http.MethodPost, "/api/v1/uploads", []byte(`{"bundle_id": "x",`), nil)
		}, 400, "bad_request"},
		{"unknown field", func() *http.Request {
			return f.signed(t, http.MethodPost, "/api/v1/uploads", []byte(`{"bundle_id":"`+uuid.NewString()+`","size":10,"sum":"`+hex.EncodeToString(make([]byte, 32))+`","x":1}`), nil)
		}, 400, "bad_request"},
		{"oversized bundle", func() *http.Request {
			b, _ := json.Marshal(syncproto.UploadRequest{BundleID: uuid.NewString(), Size: hub.MaxBundle + 1, Sum: hex.EncodeToString(make([]byte, 32))})
			return f.signed(t, http.MethodPost, "/api/v1/uploads", b, nil)
		}, 400, "bad_request"},
		{"no such upload", func() *http.Request {
			return f.signed(t, http.MethodGet, "/api/v1/uploads/"+uuid.NewString(), nil, nil)
		}, 404, "no_upload"},
		{"signature for another path", func() *http.Request {
			r := f.signed(t, http.MethodGet, "/api/v1/changes?after=0", nil, nil)
			r.URL.RawQuery = "after=5"
			return r
		}, 401, "bad_signature"},
		{"enrol with a wrong code", func() *http.Request {
			id, _ := syncproto.NewIdentity(rand.Reader)
			req, _ := syncproto.NewEnrollRequest("AAAA-AAAA-AAAA", uuid.NewString(), "X", "0a", id, time.Now())
			b, _ := json.Marshal(req)
			r, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/enroll", bytes.NewReader(b))
			return r
		}, 403, "bad_code"},
		{"enrol with malformed JSON", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/enroll", bytes.NewReader([]byte("{")))
			return r
		}, 400, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, e := send(t, tt.req())
			if res.StatusCode != tt.status || e.Code != tt.code || e.Error == "" {
				t.Fatalf("got %d %q %q; want %d %q with a message", res.StatusCode, e.Code, e.Error, tt.status, tt.code)
			}
		})
	}
}

func TestReplayedRequestIsRefused(t *testing.T) {
	f := newFixture(t)
	r := f.signed(t, http.MethodGet, "/api/v1/changes?after=0", nil, nil)
	if res, _ := send(t, r); res.StatusCode != http.StatusNoContent {
		t.Fatalf("first request: %d", res.StatusCode)
	}
	if res, e := send(t, r); res.StatusCode != http.StatusUnauthorized || e.Code != "replay" {
		t.Fatalf("replayed request: %d %q, want 401 replay", res.StatusCode, e.Code)
	}
}

func TestRevokedDeviceIsTold(t *testing.T) {
	f := newFixture(t)
	if _, err := f.hub.Revoke(context.Background(), f.id); err != nil {
		t.Fatal(err)
	}
	res, e := send(t, f.signed(t, http.MethodGet, "/api/v1/changes", nil, nil))
	if res.StatusCode != http.StatusForbidden || e.Code != "revoked" || res.Header.Get(syncproto.HeaderDeviceStatus) != "revoked" {
		t.Fatalf("revoked device: %d %q %q", res.StatusCode, e.Code, res.Header.Get(syncproto.HeaderDeviceStatus))
	}
}

// Chunks at the wrong offset are refused with the offset to resume from;
// bytes that do not match the announced sum are never ingested.
func TestUploadOffsetsAndChecksum(t *testing.T) {
	f := newFixture(t)
	body := bytes.Repeat([]byte("x"), 100)
	sum := sha256.Sum256(body)
	create, _ := json.Marshal(syncproto.UploadRequest{BundleID: uuid.NewString(), Size: 100, Sum: hex.EncodeToString(sum[:])})
	res, err := http.DefaultClient.Do(f.signed(t, http.MethodPost, "/api/v1/uploads", create, nil))
	if err != nil {
		t.Fatal(err)
	}
	var st syncproto.UploadStatus
	json.NewDecoder(res.Body).Decode(&st)
	res.Body.Close()
	if res.StatusCode != 200 || st.Offset != 0 {
		t.Fatalf("create: %d %+v", res.StatusCode, st)
	}
	path := "/api/v1/uploads/" + st.UploadID
	patch := func(off int, b []byte) *http.Response {
		res, _ := send(t, f.signed(t, http.MethodPatch, path, b, map[string]string{syncproto.HeaderOffset: strconv.Itoa(off)}))
		return res
	}
	if res := patch(0, body[:40]); res.StatusCode != http.StatusNoContent || res.Header.Get(syncproto.HeaderOffset) != "40" {
		t.Fatalf("first chunk: %d offset %s", res.StatusCode, res.Header.Get(syncproto.HeaderOffset))
	}
	// The same chunk again (a retry after a cut): refused, with where to go on.
	if res := patch(0, body[:40]); res.StatusCode != http.StatusConflict || res.Header.Get(syncproto.HeaderOffset) != "40" {
		t.Fatalf("repeated chunk: %d offset %s", res.StatusCode, res.Header.Get(syncproto.HeaderOffset))
	}
	if res := patch(40, bytes.Repeat([]byte("y"), 61)); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("chunk past the size: %d", res.StatusCode)
	}
	// Completing early: the hub says how much it holds.
	if res, e := send(t, f.signed(t, http.MethodPost, path+"/complete", nil, nil)); res.StatusCode != http.StatusConflict || e.Code != "incomplete" {
		t.Fatalf("early complete: %d %q", res.StatusCode, e.Code)
	}
	res2, _ := send(t, f.signed(t, http.MethodHead, path, nil, nil))
	if res2.Header.Get(syncproto.HeaderOffset) != "40" {
		t.Fatalf("HEAD offset %q", res2.Header.Get(syncproto.HeaderOffset))
	}
	// The rest, but not the bytes announced: the sum catches it.
	if res := patch(40, bytes.Repeat([]byte("z"), 60)); res.StatusCode != http.StatusNoContent {
		t.Fatalf("second chunk: %d", res.StatusCode)
	}
	if res, e := send(t, f.signed(t, http.MethodPost, path+"/complete", nil, nil)); res.StatusCode != http.StatusUnprocessableEntity || e.Code != "bad_sum" {
		t.Fatalf("complete with wrong bytes: %d %q", res.StatusCode, e.Code)
	}
	list, _ := f.hub.Records(context.Background(), hub.Filter{})
	if len(list) != 0 {
		t.Fatalf("%d records after a refused upload", len(list))
	}
	// Another device cannot see this upload.
	g := &fixture{hub: f.hub, srv: f.srv, id: uuid.NewString()}
	g.dev, _ = syncproto.NewIdentity(rand.Reader)
	code, _, _ := f.hub.NewEnrolCode(context.Background(), "Lain", nil)
	req, _ := syncproto.NewEnrollRequest(code, g.id, "Lain", "0c", g.dev, time.Now())
	if _, err := f.hub.Enroll(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if res, _ := send(t, g.signed(t, http.MethodGet, path, nil, nil)); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another device's view of the upload: %d", res.StatusCode)
	}
}
