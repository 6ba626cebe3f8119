package agent

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkSyncHTTP measures one full sync of n submitted records from a
// laptop to a hub on 127.0.0.1: seal, upload in 256 KiB chunks, ingest,
// verified receipt, pull. Reported as records/s and wire bytes per record.
func BenchmarkSyncHTTP(b *testing.B) {
	for _, n := range []int{1000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			ctx := context.Background()
			var bytes int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				th := newTestHub(b)
				a, g := enroll(b, th, th.srv.URL)
				capture(b, a, g, n)
				c := client(b, a, th.srv.URL)
				b.StartTimer()
				rep, err := a.Sync(ctx, c, nil)
				if err != nil || rep.Ops != 2*n {
					b.Fatalf("sync: %v %+v", err, rep)
				}
				bytes += rep.Bytes
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(bytes)/float64(n*b.N), "wire-bytes/record")
		})
	}
}
