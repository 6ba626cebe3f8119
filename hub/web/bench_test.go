package web_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/hub/web"
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/internal/wilayah"
	"github.com/jemputbola/jemput/syncproto"
)

// benchSite is a hub holding n synthetic records of Mahakam Ulu, written
// straight into the store in large transactions, and a logged-in operator.
func benchSite(b *testing.B, n int) (http.Handler, *http.Cookie, string) {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "hub.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	id, _ := syncproto.NewIdentity(rand.Reader)
	tree, _ := wilayah.Load()
	h, err := hub.New(ctx, st, hub.Config{Identity: id, Regions: tree})
	if err != nil {
		b.Fatal(err)
	}
	gen := synth.New(1, time.Now(), synth.Villages(tree, "64.11"))
	kinds := []record.Kind{record.KindEKTP, record.KindEKTP, record.KindBirth, record.KindDeath}
	var someID string
	start := time.Now()
	for done := 0; done < n; {
		err := st.Update(ctx, func(tx hub.Tx) error {
			for i := 0; i < 10000 && done < n; i, done = i+1, done+1 {
				k := kinds[done%len(kinds)]
				rid := uuid.NewString()
				code, _ := tracking.New(rand.Reader)
				ts := hlc.New(time.Now().UnixMilli()-int64(n-done)*1000, 0)
				ops := []syncproto.Op{
					{OpID: uuid.NewString(), DeviceID: "dev", Seq: 1, HLC: ts, RecordID: rid, Kind: k, Action: syncproto.ActionCreate,
						Fields: gen.Record(k), Meta: map[string]string{"tracking_code": string(code), "officer": "Bench"}},
					{OpID: uuid.NewString(), DeviceID: "dev", Seq: 2, HLC: ts + 1, RecordID: rid, Kind: k, Action: syncproto.ActionSubmit},
				}
				for _, op := range ops {
					op.Seq = uint64(2*done) + op.Seq
					if _, err := tx.PutOp(op, ""); err != nil {
						return err
					}
				}
				s := merge.Fold(ops)
				spec, _ := record.SpecFor(k)
				r := hub.Record{State: s, Name: spec.Name(s.Values())}
				if done%50 == 0 {
					r.Flags = []string{hub.FlagConflict}
				}
				if err := tx.PutRecord(r); err != nil {
					return err
				}
				someID = rid
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("fixture: %d records in %s", n, time.Since(start).Round(time.Second))
	if _, err := h.AddUser(ctx, "ani", hub.RoleOperator, "64.11", "sandi-rahasia-123"); err != nil {
		b.Fatal(err)
	}
	_, token, _, err := h.Login(ctx, "ani", "sandi-rahasia-123", "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	pages, err := web.New(h, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	return pages.Handler(), &http.Cookie{Name: "jemput_session", Value: token}, someID
}

// BenchmarkPages measures server time for the review queue and a record
// page with 100,000 records at the hub (JEMPUT_BENCH_RECORDS changes it).
func BenchmarkPages(b *testing.B) {
	n := 100000
	fmt.Sscan(getenv("JEMPUT_BENCH_RECORDS"), &n)
	handler, cookie, id := benchSite(b, n)
	for _, path := range []string{
		"/queue",
		"/queue?status=received&kind=birth",
		"/queue?flag=conflict",
		"/queue?region=64.11.01",
		"/queue?page=1000",
		"/records/" + id,
	} {
		b.Run(path, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.AddCookie(cookie)
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
		})
	}
}

func getenv(k string) string { return os.Getenv(k) }
