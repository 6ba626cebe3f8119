package syncproto

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	goldenBundle  = filepath.Join("testdata", "bundle-v1.golden")
	goldenVectors = filepath.Join("testdata", "bundle-v1.json")
)

// seq32 is 32 bytes counting up from start: readable fixed seeds.
func seq32(start byte) []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// goldenInputs are the fixed inputs of the golden bundle: a device and
// the hub from fixed seeds, the 32 "random" bytes of the ephemeral key,
// a header and three ops of one record.
func goldenInputs(t *testing.T) (device, hub Identity, h Header, ops []Op, ephemeral []byte) {
	t.Helper()
	var err error
	if device, err = IdentityFromSeeds(seq32(0x00), seq32(0x20)); err != nil {
		t.Fatal(err)
	}
	if hub, err = IdentityFromSeeds(seq32(0x40), seq32(0x60)); err != nil {
		t.Fatal(err)
	}
	const dev, rec = "0195b7c2-4a10-7000-8000-0000000000d1", "0195b7c2-4a10-7000-8000-0000000000e1"
	at := func(ms int64, l uint16) hlc.Timestamp { return hlc.New(1773478800000+ms, l) }
	ops = []Op{
		{OpID: "0195b7c2-4a10-7000-8000-000000000101", DeviceID: dev, Seq: 41, HLC: at(0, 0), RecordID: rec,
			Kind: record.KindEKTP, Action: ActionCreate,
			Fields: record.Fields{"nik": "6411014508990003", "full_name": "Nur'aini Lawing", "birth_date": "1999-08-05",
				"sex": "P", "village_code": "64.11.01.2001", "religion": "katolik", "address": "Jl. Poros Kampung No. 7 — Ujoh Bilang"},
			Meta: map[string]string{"tracking_code": "MU-000041", "officer": "petugas.long.bagun"}},
		{OpID: "0195b7c2-4a10-7000-8000-000000000102", DeviceID: dev, Seq: 42, HLC: at(90_000, 0), RecordID: rec,
			Kind: record.KindEKTP, Action: ActionUpdate,
			Fields: record.Fields{"address": "", "rt": "003"},
			Base:   map[string]hlc.Timestamp{"address": at(0, 0), "rt": 0}},
		{OpID: "0195b7c2-4a10-7000-8000-000000000103", DeviceID: dev, Seq: 43, HLC: at(90_000, 1), RecordID: rec,
			Kind: record.KindEKTP, Action: ActionSubmit,
			Meta: map[string]string{"confirmed_warnings": "nik_prefix_unknown"}},
	}
	h = Header{
		ID:        "0195b7c2-4a10-7000-8000-00000000b001",
		Sender:    dev,
		Epoch:     "9f86d081884c7d659a2feaa0c55ad015",
		CreatedAt: ops[2].HLC.Time().Add(5e9),
		Prev:      sha256.Sum256([]byte("previous bundle")),
	}
	h.Cover(ops)
	return device, hub, h, ops, seq32(0x80)
}

// vectors is testdata/bundle-v1.json: every intermediate value, in hex,
// so that another implementation can check itself step by step. Only
// compressed_body depends on the zstd implementation; the rest follows
// from the inputs and the format.
type vectors struct {
	Note             string            `json:"note"`
	Device           keyVectors        `json:"device"`
	Hub              keyVectors        `json:"hub"`
	EphemeralPrivate string            `json:"ephemeral_private"`
	EphemeralPublic  string            `json:"ephemeral_public"`
	Header           map[string]string `json:"header"`
	Preamble         string            `json:"preamble"`
	SharedSecret     string            `json:"shared_secret"`
	HKDFSalt         string            `json:"hkdf_salt"`
	HKDFInfo         string            `json:"hkdf_info"`
	PayloadKey       string            `json:"payload_key"`
	NoncePrefix      string            `json:"nonce_prefix"`
	PlaintextJSONL   string            `json:"plaintext_jsonl"`
	CompressedBody   string            `json:"compressed_body"`
	Chunks           int               `json:"chunks"`
	BodyDigest       string            `json:"body_digest"`
	Signature        string            `json:"signature"`
	BundleSize       int               `json:"bundle_size"`
	BundleSHA256     string            `json:"bundle_sha256"`
}

type keyVectors struct {
	SignSeed        string `json:"sign_seed"`
	BoxPrivate      string `json:"box_private"`
	SignPublic      string `json:"sign_public"`
	BoxPublic       string `json:"box_public"`
	SignFingerprint string `json:"sign_fingerprint"`
	BoxFingerprint  string `json:"box_fingerprint"`
}

func keysOf(id Identity) keyVectors {
	p := id.Public()
	return keyVectors{
		SignSeed: hex.EncodeToString(id.sign.Seed()), BoxPrivate: hex.EncodeToString(id.box.Bytes()),
		SignPublic: hex.EncodeToString(p.Sign), BoxPublic: hex.EncodeToString(p.Box[:]),
		SignFingerprint: p.SignFingerprint().String(), BoxFingerprint: p.BoxFingerprint().String(),
	}
}

// openBySpec opens a bundle following only the documented format, with
// the standard primitives and none of this package's decoding code: an
// independent check that the code does what the doc says.
func openBySpec(t *testing.T, b []byte, hub Identity, signer ed25519.PublicKey, v *vectors) []byte {
	t.Helper()
	if string(b[:8]) != "JMPTBNDL" || b[8] != 1 {
		t.Fatal("spec: magic or version")
	}
	hlen := int(binary.BigEndian.Uint16(b[9:11]))
	pre, rest := b[:11+hlen], b[11+hlen:]
	header := pre[11:]
	hubPub := hub.Public().Box
	if fp := sha256.Sum256(hubPub[:]); !bytes.Equal(header[32:48], fp[:16]) {
		t.Fatal("spec: recipient fingerprint")
	}
	ephPub := header[48:80]
	var frames [][2][]byte // word, sealed
	for {
		w := binary.BigEndian.Uint32(rest)
		n := int(w & 0x7fffffff)
		frames = append(frames, [2][]byte{rest[:4], rest[4 : 4+n]})
		rest = rest[4+n:]
		if w&0x80000000 != 0 {
			break
		}
	}
	sig := rest
	dh := sha256.New()
	for _, f := range frames {
		dh.Write(f[0])
		dh.Write(f[1])
	}
	digest := dh.Sum(nil)
	msg := append(append([]byte("jemput bundle v1 signature\x00"), pre...), digest...)
	if len(sig) != 64 || !ed25519.Verify(signer, msg, sig) {
		t.Fatal("spec: signature")
	}
	eph, _ := ecdh.X25519().NewPublicKey(ephPub)
	shared, err := hub.box.ECDH(eph)
	if err != nil {
		t.Fatal(err)
	}
	salt := append(bytes.Clone(ephPub), hubPub[:]...)
	preHash := sha256.Sum256(pre)
	info := "jemput bundle v1 payload key\x00" + string(preHash[:])
	okm, err := hkdf.Key(sha256.New, shared, salt, info, 32+15)
	if err != nil {
		t.Fatal(err)
	}
	aead, _ := chacha20poly1305.NewX(okm[:32])
	var compressed []byte
	for i, f := range frames {
		nonce := binary.BigEndian.AppendUint64(bytes.Clone(okm[32:]), uint64(i))
		if i == len(frames)-1 {
			nonce = append(nonce, 1)
		} else {
			nonce = append(nonce, 0)
		}
		pt, err := aead.Open(nil, nonce, f[1], nil)
		if err != nil {
			t.Fatalf("spec: chunk %d: %v", i, err)
		}
		compressed = append(compressed, pt...)
	}
	zr, _ := zstd.NewReader(nil)
	defer zr.Close()
	plain, err := zr.DecodeAll(compressed, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	*v = vectors{
		EphemeralPublic: hex.EncodeToString(ephPub), Preamble: hex.EncodeToString(pre),
		SharedSecret: hex.EncodeToString(shared), HKDFSalt: hex.EncodeToString(salt),
		HKDFInfo: hex.EncodeToString([]byte(info)), PayloadKey: hex.EncodeToString(okm[:32]),
		NoncePrefix: hex.EncodeToString(okm[32:]), PlaintextJSONL: string(plain),
		CompressedBody: hex.EncodeToString(compressed), Chunks: len(frames),
		BodyDigest: hex.EncodeToString(digest), Signature: hex.EncodeToString(sig),
		BundleSize: len(b), BundleSHA256: hex.EncodeToString(sum[:]),
	}
	return plain
}

func TestGolden(t *testing.T) {
	device, hub, h, ops, eph := goldenInputs(t)
	var buf bytes.Buffer
	sealed, err := Seal(&buf, h, ops, device, hub.Public(), bytes.NewReader(eph))
	if err != nil {
		t.Fatal(err)
	}

	var v vectors
	plain := openBySpec(t, buf.Bytes(), hub, device.Public().Sign, &v)
	var want bytes.Buffer
	for _, op := range ops {
		j, _ := json.Marshal(op)
		want.Write(j)
		want.WriteByte('\n')
	}
	if !bytes.Equal(plain, want.Bytes()) {
		t.Errorf("plaintext is not the JSON lines of the ops:\n%s", plain)
	}
	hb, _ := sealed.Header.MarshalBinary()
	sh := sealed.Header
	v.Note = "Jemput bundle v1 test vector: see syncproto/bundle.go (Encoder) and stream.go. " +
		"The ephemeral private key is the 32 bytes the encoder read from rand. " +
		"compressed_body is what this zstd encoder made; any zstd decoder must read it, " +
		"but another compressor may make other bytes (and so another signature and bundle hash)."
	v.Device, v.Hub = keysOf(device), keysOf(hub)
	v.EphemeralPrivate = hex.EncodeToString(eph)
	v.Header = map[string]string{
		"binary": hex.EncodeToString(hb), "id": sh.ID, "sender": sh.Sender,
		"sender_key": sh.SenderKey.String(), "recipient_key": sh.RecipientKey.String(),
		"epoch": sh.Epoch, "seq_first": itoa(sh.SeqFirst), "seq_last": itoa(sh.SeqLast),
		"hlc_min": itoa(uint64(sh.HLCMin)), "hlc_max": itoa(uint64(sh.HLCMax)), "count": itoa(uint64(sh.Count)),
		"created_at_ms": itoa(uint64(sh.CreatedAt.UnixMilli())), "prev": hex.EncodeToString(sh.Prev[:]),
		"ephemeral": hex.EncodeToString(sh.Ephemeral[:]),
	}
	vj, _ := json.MarshalIndent(v, "", "  ")
	vj = append(vj, '\n')

	if *update {
		if err := os.WriteFile(goldenBundle, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenVectors, vj, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(goldenBundle)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), golden) {
		t.Errorf("sealing the golden inputs no longer gives %s: the format changed, or the zstd encoder did (if that is intended, rerun with -update and review the diff)", goldenBundle)
	}
	if gv, err := os.ReadFile(goldenVectors); err != nil || !bytes.Equal(gv, vj) {
		t.Errorf("%s is stale or missing (%v): rerun with -update", goldenVectors, err)
	}

	// The committed bytes open, whatever the encoder does today.
	gh, got, err := Open(bytes.NewReader(golden), hub, trustOnly(device.Public()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ops) {
		t.Errorf("golden ops:\n got %+v\nwant %+v", got, ops)
	}
	if gh.ID != h.ID || gh.Prev != h.Prev || gh.Count != 3 || gh.SeqFirst != 41 || gh.SeqLast != 43 {
		t.Errorf("golden header %+v", gh)
	}
}

func itoa(u uint64) string { return strconv.FormatUint(u, 10) }
