package syncproto

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

const benchOps = 10_000

// rawJSONL is the size of ops as uncompressed JSON lines.
func rawJSONL(b *testing.B, ops []Op) int {
	n := 0
	for _, op := range ops {
		j, err := json.Marshal(op)
		if err != nil {
			b.Fatal(err)
		}
		n += len(j) + 1
	}
	return n
}

func reportSize(b *testing.B, wire, raw int) {
	b.ReportMetric(float64(wire)/benchOps, "wire-bytes/op")
	b.ReportMetric(float64(raw)/benchOps, "json-bytes/op")
	b.ReportMetric(float64(wire)/float64(raw), "wire/json")
}

// BenchmarkSeal seals 10,000 realistic create ops (about 20 string fields
// each). MB/s is of the raw JSON lines.
func BenchmarkSeal(b *testing.B) {
	alice, hub := testIdentity(b, "alice"), testIdentity(b, "hub")
	ops := syntheticOps(benchOps)
	h := testHeader(ops)
	raw := rawJSONL(b, ops)
	var buf bytes.Buffer
	b.SetBytes(int64(raw))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if _, err := Seal(&buf, h, ops, alice, hub.Public(), seeded("e")); err != nil {
			b.Fatal(err)
		}
	}
	reportSize(b, buf.Len(), raw)
}

// BenchmarkOpen opens the bundle BenchmarkSeal makes, ops streamed one by
// one as the hub would apply them.
func BenchmarkOpen(b *testing.B) {
	alice, hub := testIdentity(b, "alice"), testIdentity(b, "hub")
	ops := syntheticOps(benchOps)
	raw := rawJSONL(b, ops)
	bundle, _ := sealT(b, ops, testHeader(ops), alice, hub)
	o := Opener{Me: hub, Trust: trustOnly(alice.Public())}
	b.SetBytes(int64(raw))
	b.ReportAllocs()
	for b.Loop() {
		d, err := o.NewDecoder(bytes.NewReader(bundle))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		d.Close()
		if n != benchOps {
			b.Fatalf("%d ops", n)
		}
	}
	reportSize(b, len(bundle), raw)
}

// BenchmarkSealOne and BenchmarkOpenOne are the fixed cost of a bundle:
// key agreement, signature, compressor set-up.
func BenchmarkSealOne(b *testing.B) {
	alice, hub := testIdentity(b, "alice"), testIdentity(b, "hub")
	ops := syntheticOps(1)
	h := testHeader(ops)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if _, err := Seal(&buf, h, ops, alice, hub.Public(), seeded("e")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "wire-bytes")
}

func BenchmarkOpenOne(b *testing.B) {
	alice, hub := testIdentity(b, "alice"), testIdentity(b, "hub")
	ops := syntheticOps(1)
	bundle, _ := sealT(b, ops, testHeader(ops), alice, hub)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Open(bytes.NewReader(bundle), hub, trustOnly(alice.Public())); err != nil {
			b.Fatal(err)
		}
	}
}
