// Package hubclient is the laptop's side of the hub's HTTP API: enrolment,
// resumable uploads and fetching changes. Every request is signed with the
// device key. Uploads go in chunks; after a cut link the client asks the
// hub how much it holds and continues from there, retrying with backoff.
package hubclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jemputbola/jemput/syncproto"
)

// Sentinel errors callers branch on.
var (
	// ErrRevoked: the hub revoked this laptop. Retrying will not help.
	ErrRevoked = errors.New("this laptop has been revoked by the hub administrator")
	// ErrRefused: the hub answered with a final refusal (4xx); the message
	// says why in plain words.
	ErrRefused = errors.New("refused by the hub")
)

// APIError is the hub's refusal, in its words.
type APIError struct {
	Status int
	Code   string
	Msg    string
}

func (e *APIError) Error() string { return e.Msg }

func (e *APIError) Unwrap() error {
	if e.Code == "revoked" {
		return ErrRevoked
	}
	return ErrRefused
}

// Client talks to one hub as one device.
type Client struct {
	Base     string // hub URL, e.g. http://10.0.0.5:8080
	DeviceID string
	Identity syncproto.Identity
	HTTP     *http.Client
	// ChunkSize is the upload chunk; small chunks lose less on a bad link.
	ChunkSize int
	// Retries is how many times a failed request is tried again (with
	// exponential backoff from Backoff, capped at a minute).
	Retries int
	Backoff time.Duration
	Now     func() time.Time
	// Retrying, when set, hears about each retry (for the terminal).
	Retrying func(err error, wait time.Duration)
}

// New returns a client with defaults suited to a slow, flaky link.
func New(base, deviceID string, id syncproto.Identity) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), DeviceID: deviceID, Identity: id,
		// Its own transport: connections are not shared with other clients,
		// and a dropped one is never reused.
		HTTP: &http.Client{Timeout: 2 * time.Minute, Transport: http.DefaultTransport.(*http.Transport).Clone()}, ChunkSize: 256 << 10, Retries: 8, Backoff: 500 * time.Millisecond, Now: time.Now}
}

// Enroll presents an enrolment code. It is not signed by a request
// signature (the hub does not know the key yet); the request itself
// carries the proof of key possession.
func Enroll(ctx context.Context, hc *http.Client, base string, req syncproto.EnrollRequest) (syncproto.EnrollResponse, error) {
	var resp syncproto.EnrollResponse
	body, err := json.Marshal(req)
	if err != nil {
		return resp, err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+syncproto.APIPrefix+"/enroll", bytes.NewReader(body))
	if err != nil {
		return resp, fmt.Errorf("hub address %q: %w", base, err)
	}
	r.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(r)
	if err != nil {
		return resp, fmt.Errorf("cannot reach the hub at %s: %w", base, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return resp, apiError(res)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&resp); err != nil {
		return resp, fmt.Errorf("the hub's answer is not understood: %w", err)
	}
	return resp, nil
}

func apiError(res *http.Response) error {
	var e syncproto.ErrorResponse
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if json.Unmarshal(b, &e) != nil || e.Error == "" {
		e.Error = fmt.Sprintf("the hub answered %s", res.Status)
	}
	if res.Header.Get(syncproto.HeaderDeviceStatus) == "revoked" {
		e.Code = "revoked"
	}
	return &APIError{Status: res.StatusCode, Code: e.Code, Msg: e.Error}
}

// do sends one signed request and returns the response; the caller closes
// its body. Network errors and 5xx are returned as retryable.
func (c *Client) do(ctx context.Context, method, path string, body []byte, hdr map[string]string) (*http.Response, error) {
	r, err := http.NewRequestWithContext(ctx, method, c.Base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	if err := syncproto.SignRequest(r.Header, method, r.URL.RequestURI(), c.DeviceID, body, c.Identity, c.Now(), rand.Reader); err != nil {
		return nil, err
	}
	return c.HTTP.Do(r)
}

// retryable marks an error worth trying again: the link, not the request.
type retryable struct{ err error }

func (r retryable) Error() string { return r.err.Error() }
func (r retryable) Unwrap() error { return r.err }

// retry runs fn until it succeeds, fails for good, or retries run out.
func (c *Client) retry(ctx context.Context, fn func() error) error {
	wait := c.Backoff
	for attempt := 0; ; attempt++ {
		err := fn()
		var rt retryable
		if err == nil || !errors.As(err, &rt) || attempt >= c.Retries {
			return err
		}
		if c.Retrying != nil {
			c.Retrying(err, wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// classify turns a transport error or a response status into an error:
// nil for 2xx, retryable for the link and 5xx, APIError otherwise.
func classify(res *http.Response, err error) error {
	if err != nil {
		return retryable{fmt.Errorf("the link to the hub failed: %w", err)}
	}
	if res.StatusCode >= 500 {
		return retryable{apiError(res)}
	}
	if res.StatusCode >= 300 {
		return apiError(res)
	}
	return nil
}

// Upload sends one bundle and returns the hub's signed receipt. It resumes
// at the hub's offset after a cut, and an upload the hub already completed
// returns the same receipt, so calling it again is always safe.
func (c *Client) Upload(ctx context.Context, bundleID string, b []byte, progress func(sent, total int64)) ([]byte, error) {
	sum := sha256.Sum256(b)
	req, _ := json.Marshal(syncproto.UploadRequest{BundleID: bundleID, Size: int64(len(b)), Sum: hex.EncodeToString(sum[:])})
	var st syncproto.UploadStatus
	err := c.retry(ctx, func() error {
		res, err := c.do(ctx, http.MethodPost, syncproto.APIPrefix+"/uploads", req, map[string]string{"Content-Type": "application/json"})
		if err := classify(res, err); err != nil {
			return err
		}
		defer res.Body.Close()
		if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&st); err != nil {
			return retryable{fmt.Errorf("the hub's answer was cut: %w", err)}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("start upload: %w", err)
	}
	if len(st.Receipt) > 0 {
		if progress != nil {
			progress(int64(len(b)), int64(len(b)))
		}
		return st.Receipt, nil
	}
	off := st.Offset
	path := syncproto.APIPrefix + "/uploads/" + url.PathEscape(st.UploadID)
	for off < int64(len(b)) {
		if progress != nil {
			progress(off, int64(len(b)))
		}
		end := min(off+int64(c.ChunkSize), int64(len(b)))
		err := c.retry(ctx, func() error {
			res, err := c.do(ctx, http.MethodPatch, path, b[off:end], map[string]string{
				syncproto.HeaderOffset: strconv.FormatInt(off, 10), "Content-Type": "application/octet-stream"})
			if err != nil {
				// The chunk may or may not have landed: ask.
				if cur, herr := c.offset(ctx, path); herr == nil {
					off = cur
				}
				return classify(res, err)
			}
			defer res.Body.Close()
			if res.StatusCode == http.StatusConflict || res.StatusCode == http.StatusNoContent {
				if cur, perr := strconv.ParseInt(res.Header.Get(syncproto.HeaderOffset), 10, 64); perr == nil {
					off = cur
					return nil
				}
			}
			return classify(res, nil)
		})
		if err != nil {
			return nil, fmt.Errorf("upload at byte %d: %w", off, err)
		}
	}
	if progress != nil {
		progress(int64(len(b)), int64(len(b)))
	}
	var receipt []byte
	err = c.retry(ctx, func() error {
		res, err := c.do(ctx, http.MethodPost, path+"/complete", nil, nil)
		if err := classify(res, err); err != nil {
			var ae *APIError
			if errors.As(err, &ae) && ae.Code == "incomplete" {
				return retryable{err} // a chunk was lost after all; the caller resends
			}
			return err
		}
		defer res.Body.Close()
		receipt, err = io.ReadAll(io.LimitReader(res.Body, 64<<10))
		if err != nil {
			return retryable{fmt.Errorf("the receipt was cut: %w", err)}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("complete upload: %w", err)
	}
	return receipt, nil
}

func (c *Client) offset(ctx context.Context, path string) (int64, error) {
	res, err := c.do(ctx, http.MethodHead, path, nil, nil)
	if err := classify(res, err); err != nil {
		return 0, err
	}
	res.Body.Close()
	return strconv.ParseInt(res.Header.Get(syncproto.HeaderOffset), 10, 64)
}

// Changes fetches the hub ops after cursor as one sealed bundle, or nil
// when there are none.
func (c *Client) Changes(ctx context.Context, after uint64) ([]byte, error) {
	var out []byte
	err := c.retry(ctx, func() error {
		res, err := c.do(ctx, http.MethodGet, syncproto.APIPrefix+"/changes?after="+strconv.FormatUint(after, 10), nil, nil)
		if err := classify(res, err); err != nil {
			return err
		}
		defer res.Body.Close()
		if res.StatusCode == http.StatusNoContent {
			out = nil
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(res.Body, syncproto.DefaultMaxBundleBytes+1))
		if err != nil {
			return retryable{fmt.Errorf("the changes were cut: %w", err)}
		}
		out = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fetch changes: %w", err)
	}
	return out, nil
}

// Hello checks the connection once, without retries: the hub answers only
// if it is reachable and accepts this laptop's signed request.
func (c *Client) Hello(ctx context.Context) (syncproto.HelloResponse, error) {
	var out syncproto.HelloResponse
	res, err := c.do(ctx, http.MethodGet, syncproto.APIPrefix+"/hello", nil, nil)
	if err := classify(res, err); err != nil {
		if res != nil {
			res.Body.Close()
		}
		return out, err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&out); err != nil {
		return out, fmt.Errorf("the hub's answer is not understood: %w", err)
	}
	return out, nil
}
