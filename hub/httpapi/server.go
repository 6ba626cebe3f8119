// Package httpapi is the hub's sync API under /api/v1: enrolment,
// resumable bundle uploads, and the changes a device has to fetch. Every
// device request is signed with the device's key (syncproto.SignRequest);
// the handlers hold no SQL and no merge logic, only HTTP.
package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/syncproto"
)

// Limits of the API.
const (
	MaxChunk     = 4 << 20 // one PATCH body
	maxJSON      = 64 << 10
	MaxClockSkew = 7 * 24 * time.Hour // laptops with dead RTC batteries are days off; beyond a week, ask for a fix
)

// Server serves the sync API for one hub.
type Server struct {
	hub     *hub.Hub
	uploads string // directory of partial uploads
	log     *slog.Logger
	now     func() time.Time
}

// New returns the API over h; partial uploads live in dir.
func New(h *hub.Hub, dir string, log *slog.Logger, now func() time.Time) (*Server, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("uploads directory: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Server{hub: h, uploads: dir, log: log, now: now}, nil
}

// Routes mounts the API on r under syncproto.APIPrefix.
func (s *Server) Routes(r chi.Router) {
	r.Route(syncproto.APIPrefix, func(r chi.Router) {
		r.Post("/enroll", s.enroll)
		r.Group(func(r chi.Router) {
			r.Use(s.authenticate)
			r.Post("/uploads", s.createUpload)
			r.Head("/uploads/{id}", s.uploadStatus)
			r.Get("/uploads/{id}", s.uploadStatus)
			r.Patch("/uploads/{id}", s.appendUpload)
			r.Post("/uploads/{id}/complete", s.completeUpload)
			r.Get("/changes", s.changes)
			r.Get("/hello", s.hello)
		})
	})
}

// Handler is the API alone, for tests and for a hub that serves nothing else.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	s.Routes(r)
	return r
}

type ctxKey struct{}

// deviceOf is the authenticated device of a request.
func deviceOf(r *http.Request) hub.Device { d, _ := r.Context().Value(ctxKey{}).(hub.Device); return d }

// bodyOf is the request body, read (bounded) by authenticate.
type bodyKey struct{}

func bodyOf(r *http.Request) []byte { b, _ := r.Context().Value(bodyKey{}).([]byte); return b }

// authenticate checks the device's signature over method, path, time,
// nonce and body digest, refuses unknown (401) and revoked (403) devices,
// replayed nonces and clocks beyond MaxClockSkew, and records the skew.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxChunk+1))
		if err != nil {
			s.fail(w, r, http.StatusBadRequest, "bad_request", "could not read the request", err)
			return
		}
		if len(body) > MaxChunk {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request over %d MiB", MaxChunk>>20), nil)
			return
		}
		auth, err := syncproto.ParseRequestAuth(r.Header)
		if err != nil {
			s.fail(w, r, http.StatusUnauthorized, "unauthenticated", "the request is not signed by an enrolled laptop", err)
			return
		}
		dev, err := s.hub.Device(r.Context(), auth.Device)
		if errors.Is(err, hub.ErrNotFound) {
			s.fail(w, r, http.StatusUnauthorized, "unknown_device", "this laptop is not enrolled at this hub: enrol it with a code from the administrator", err)
			return
		}
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "internal", "the hub could not read its devices", err)
			return
		}
		if err := auth.Verify(r.Method, r.URL.RequestURI(), body, dev.Key.Sign); err != nil {
			s.fail(w, r, http.StatusUnauthorized, "bad_signature", "the request signature does not match this laptop's key", err)
			return
		}
		if dev.Revoked() {
			w.Header().Set(syncproto.HeaderDeviceStatus, "revoked")
			s.fail(w, r, http.StatusForbidden, "revoked",
				fmt.Sprintf("this laptop was revoked by the hub administrator on %s; contact them before recording more", dev.RevokedAt.Format("2006-01-02")), nil)
			return
		}
		now := s.now()
		skew := auth.Time.Sub(now)
		if skew > MaxClockSkew || skew < -MaxClockSkew {
			s.fail(w, r, http.StatusUnauthorized, "clock_skew",
				fmt.Sprintf("this laptop's clock is %s off the hub's (%s): set the date and time, then sync again",
					skew.Round(time.Hour), now.UTC().Format("2006-01-02 15:04 UTC")), nil)
			return
		}
		fresh, err := s.hub.AcceptRequest(r.Context(), dev.ID, auth.Nonce, auth.Time)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "internal", "the hub could not check the request", err)
			return
		}
		if !fresh {
			s.fail(w, r, http.StatusUnauthorized, "replay", "this request was already received (replayed)", nil)
			return
		}
		w.Header().Set(syncproto.HeaderDeviceStatus, "active")
		ctx := context.WithValue(context.WithValue(r.Context(), ctxKey{}, dev), bodyKey{}, body)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	var req syncproto.EnrollRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	resp, err := s.hub.Enroll(r.Context(), req)
	switch {
	case errors.Is(err, hub.ErrCodeInvalid):
		s.fail(w, r, http.StatusForbidden, "bad_code", "the enrolment code is wrong, already used or expired: ask the administrator for a new one", err)
	case errors.Is(err, hub.ErrDeviceExists):
		s.fail(w, r, http.StatusConflict, "already_enrolled", "this laptop is already enrolled at this hub", err)
	case errors.Is(err, syncproto.ErrBadSignature), errors.Is(err, syncproto.ErrMalformed):
		s.fail(w, r, http.StatusBadRequest, "bad_request", "the enrolment request is not valid", err)
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, "internal", "the hub could not enrol the laptop", err)
	default:
		writeJSON(w, http.StatusOK, resp)
	}
}

func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body := bodyOf(r)
	if body == nil {
		var err error
		if body, err = io.ReadAll(io.LimitReader(r.Body, maxJSON+1)); err != nil || len(body) > maxJSON {
			s.fail(w, r, http.StatusBadRequest, "bad_request", "the request body is unreadable or too large", err)
			return false
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.fail(w, r, http.StatusBadRequest, "bad_request", "malformed JSON in the request", err)
		return false
	}
	return true
}

func (s *Server) partPath(id string) string { return filepath.Join(s.uploads, id+".part") }

// createUpload starts (or finds again) the upload of one bundle.
func (s *Server) createUpload(w http.ResponseWriter, r *http.Request) {
	dev := deviceOf(r)
	var req syncproto.UploadRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	u, err := s.hub.StartUpload(r.Context(), dev.ID, req)
	switch {
	case errors.Is(err, hub.ErrUploadMismatch):
		s.fail(w, r, http.StatusConflict, "replay", "a different bundle was sent before under this id", err)
		return
	case errors.Is(err, syncproto.ErrMalformed), errors.Is(err, syncproto.ErrTooLarge):
		s.fail(w, r, http.StatusBadRequest, "bad_request", fmt.Sprintf("an upload needs a bundle id, a size of 1 byte to %d MiB and a sha256", hub.MaxBundle>>20), err)
		return
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, "internal", "the hub could not start the upload", err)
		return
	}
	s.writeStatus(w, r, u)
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) (hub.Upload, bool) {
	u, err := s.hub.Upload(r.Context(), deviceOf(r).ID, chi.URLParam(r, "id"))
	if errors.Is(err, hub.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "no_upload", "no such upload: start it again", err)
		return u, false
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "the hub could not read the upload", err)
		return u, false
	}
	return u, true
}

// offset is how many bytes of u the hub holds.
func (s *Server) offset(u hub.Upload) int64 {
	if u.Complete {
		return u.Size
	}
	fi, err := os.Stat(s.partPath(u.ID))
	if err != nil {
		return 0
	}
	return fi.Size()
}

func (s *Server) writeStatus(w http.ResponseWriter, r *http.Request, u hub.Upload) {
	st := syncproto.UploadStatus{UploadID: u.ID, BundleID: u.BundleID, Offset: s.offset(u), Size: u.Size, Complete: u.Complete}
	if u.Complete {
		if rc, err := s.hub.Receipt(r.Context(), u.BundleID); err == nil {
			st.Receipt = rc
		}
	}
	w.Header().Set(syncproto.HeaderOffset, strconv.FormatInt(st.Offset, 10))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) uploadStatus(w http.ResponseWriter, r *http.Request) {
	if u, ok := s.upload(w, r); ok {
		s.writeStatus(w, r, u)
	}
}

// appendUpload writes one chunk at the offset the device names, which must
// be the hub's current offset: a chunk sent twice after a cut link is
// answered with 409 and the offset to continue from.
func (s *Server) appendUpload(w http.ResponseWriter, r *http.Request) {
	u, ok := s.upload(w, r)
	if !ok {
		return
	}
	body := bodyOf(r)
	at, err := strconv.ParseInt(r.Header.Get(syncproto.HeaderOffset), 10, 64)
	if err != nil || at < 0 {
		s.fail(w, r, http.StatusBadRequest, "bad_request", "the chunk needs an Upload-Offset header", err)
		return
	}
	cur := s.offset(u)
	if u.Complete || at != cur {
		w.Header().Set(syncproto.HeaderOffset, strconv.FormatInt(cur, 10))
		writeJSON(w, http.StatusConflict, syncproto.ErrorResponse{Code: "offset_mismatch",
			Error: fmt.Sprintf("the hub holds %d bytes of this upload; continue from there", cur), Offset: cur})
		return
	}
	if at+int64(len(body)) > u.Size {
		s.fail(w, r, http.StatusBadRequest, "too_large", "the chunk goes past the announced size", nil)
		return
	}
	if err := appendFile(s.partPath(u.ID), body); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "the hub could not save the chunk", err)
		return
	}
	w.Header().Set(syncproto.HeaderOffset, strconv.FormatInt(at+int64(len(body)), 10))
	w.WriteHeader(http.StatusNoContent)
}

// appendFile appends b and fsyncs: an offset the hub reports is on disk.
func appendFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// completeUpload checks the bytes against the announced size and sum,
// ingests the bundle and answers with the hub's signed receipt. Completing
// again answers with the same receipt.
func (s *Server) completeUpload(w http.ResponseWriter, r *http.Request) {
	u, ok := s.upload(w, r)
	if !ok {
		return
	}
	if u.Complete {
		rc, err := s.hub.Receipt(r.Context(), u.BundleID)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "internal", "the hub lost this upload's receipt", err)
			return
		}
		s.writeReceipt(w, rc)
		return
	}
	raw, err := os.ReadFile(s.partPath(u.ID))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		s.fail(w, r, http.StatusInternalServerError, "internal", "the hub could not read the upload", err)
		return
	}
	if int64(len(raw)) != u.Size {
		w.Header().Set(syncproto.HeaderOffset, strconv.FormatInt(int64(len(raw)), 10))
		writeJSON(w, http.StatusConflict, syncproto.ErrorResponse{Code: "incomplete",
			Error: fmt.Sprintf("the hub holds %d of %d bytes; send the rest first", len(raw), u.Size), Offset: int64(len(raw))})
		return
	}
	if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != u.Sum {
		// The bytes are not what was announced: start over.
		os.Remove(s.partPath(u.ID))
		s.fail(w, r, http.StatusUnprocessableEntity, "bad_sum", "the uploaded bytes do not match the bundle's checksum; sending again from the start", nil)
		return
	}
	// The bytes are all here: finish even if the laptop hangs up meanwhile,
	// so its retry finds a receipt instead of starting from byte 0.
	ctx := context.WithoutCancel(r.Context())
	res, err := s.hub.Ingest(ctx, bytes.NewReader(raw), "http")
	if err != nil {
		reason := userReason(err)
		if reason == "" {
			// Not the bundle's fault: keep the bytes for the retry.
			s.fail(w, r, http.StatusInternalServerError, "internal", "the hub could not store the bundle; try again", err)
			return
		}
		code, status := "bad_bundle", http.StatusUnprocessableEntity
		if errors.Is(err, syncproto.ErrReplay) {
			code, status = "replay", http.StatusConflict
		}
		os.Remove(s.partPath(u.ID))
		s.fail(w, r, status, code, "the hub refused the bundle: "+reason, err)
		return
	}
	if err := s.hub.FinishUpload(ctx, u); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "the hub could not finish the upload", err)
		return
	}
	os.Remove(s.partPath(u.ID))
	s.writeReceipt(w, res.Signed)
}

func (s *Server) writeReceipt(w http.ResponseWriter, signed []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(signed)
}

// hello answers a connection check: reaching it at all means the
// request's signature, clock and device were accepted.
func (s *Server) hello(w http.ResponseWriter, r *http.Request) {
	d := deviceOf(r)
	writeJSON(w, http.StatusOK, syncproto.HelloResponse{Time: s.now().UTC(), Officer: d.Officer, Villages: d.Villages})
}

// changes sends the hub ops for the device after ?after=N as one bundle
// sealed to it, or 204 when there are none.
func (s *Server) changes(w http.ResponseWriter, r *http.Request) {
	after, err := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	if err != nil && r.URL.Query().Get("after") != "" {
		s.fail(w, r, http.StatusBadRequest, "bad_request", "after must be a number", err)
		return
	}
	b, _, err := s.hub.Changes(r.Context(), deviceOf(r).ID, after)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "the hub could not prepare the changes", err)
		return
	}
	if b == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// userReason is the part of an ingest error an officer can act on, or ""
// when the bundle is not at fault (the hub's own trouble).
func userReason(err error) string {
	for _, e := range []error{syncproto.ErrBadSignature, syncproto.ErrWrongRecipient, syncproto.ErrUnknownSender,
		syncproto.ErrTruncated, syncproto.ErrTampered, syncproto.ErrMalformed, syncproto.ErrTooLarge, syncproto.ErrReplay,
		syncproto.ErrBadMagic, syncproto.ErrUnknownVersion, hub.ErrUnknownDevice} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return ""
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string, err error) {
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "api request refused", "method", r.Method, "path", r.URL.Path, "status", status, "code", code, "err", err)
	writeJSON(w, status, syncproto.ErrorResponse{Error: msg, Code: code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
