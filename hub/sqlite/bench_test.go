package sqlite_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/internal/wilayah"
	"github.com/jemputbola/jemput/syncproto"
)

// BenchmarkIngest measures the hub applying one bundle of n new KTP-el
// records (a create and a submit each) from a laptop: open, verify, merge,
// duplicate check and one fsynced commit. Reported as records/s.
func BenchmarkIngest(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			ctx := context.Background()
			st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "hub.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			hubID, _ := syncproto.NewIdentity(rand.Reader)
			tree, _ := wilayah.Load()
			h, err := hub.New(ctx, st, hub.Config{Identity: hubID, Regions: tree})
			if err != nil {
				b.Fatal(err)
			}
			gen := synth.New(1, time.Now(), synth.Villages(tree, "64.11"))
			bundles := make([][]byte, b.N)
			for i := range bundles {
				bundles[i] = sealDevice(b, ctx, h, hubID, gen, n)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := h.Ingest(ctx, bytes.NewReader(bundles[i]), "http")
				if err != nil || res.Receipt.Applied != 2*n {
					b.Fatalf("ingest: %v %+v", err, res.Receipt)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(len(bundles[0]))/float64(n), "bytes/record")
		})
	}
}

// sealDevice enrols a new laptop at h and seals n records from it.
func sealDevice(b *testing.B, ctx context.Context, h *hub.Hub, hubID syncproto.Identity, gen *synth.Gen, n int) []byte {
	b.Helper()
	dev, _ := syncproto.NewIdentity(rand.Reader)
	devID := uuid.NewString()
	code, _, err := h.NewEnrolCode(ctx, "Bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	req, _ := syncproto.NewEnrollRequest(code, devID, "Bench", "0a0b", dev, time.Now())
	if _, err := h.Enroll(ctx, req); err != nil {
		b.Fatal(err)
	}
	clock := hlc.NewClock(nil, 0)
	var ops []syncproto.Op
	for i := 0; i < n; i++ {
		rid := uuid.NewString()
		code, _ := tracking.New(rand.Reader)
		ops = append(ops,
			syncproto.Op{OpID: uuid.NewString(), DeviceID: devID, Seq: uint64(len(ops) + 1), HLC: clock.Now(), RecordID: rid,
				Kind: record.KindEKTP, Action: syncproto.ActionCreate, Fields: gen.EKTP(), Meta: map[string]string{"tracking_code": string(code)}},
			syncproto.Op{OpID: uuid.NewString(), DeviceID: devID, Seq: uint64(len(ops) + 2), HLC: clock.Now(), RecordID: rid,
				Kind: record.KindEKTP, Action: syncproto.ActionSubmit})
	}
	hdr := syncproto.Header{ID: uuid.NewString(), Sender: devID, Epoch: "0a0b", CreatedAt: time.Now()}
	hdr.Cover(ops)
	var buf bytes.Buffer
	if _, err := syncproto.Seal(&buf, hdr, ops, dev, hubID.Public(), rand.Reader); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
