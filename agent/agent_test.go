package agent

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/atrest"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/wilayah"
)

func newAgent(t testing.TB) (*Agent, *synth.Gen) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "agent.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Init(ctx, store.InitParams{Passphrase: []byte("p4ssphrase"), Argon: atrest.Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st, err := db.Unlock(ctx, []byte("p4ssphrase"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := wilayah.Load()
	if err != nil {
		t.Fatal(err)
	}
	return New(st, tree), synth.New(7, time.Now(), synth.Villages(tree, "64.11"))
}

// repeatReader returns the same bytes for the first n reads of 11 bytes,
// then fresh ones: two codes in a row will clash.
type repeatReader struct{ n int }

func (r *repeatReader) Read(p []byte) (int, error) {
	r.n++
	fill := byte(3)
	if r.n > 2 {
		fill = byte(r.n)
	}
	for i := range p {
		p[i] = fill
	}
	return len(p), nil
}

func TestCaptureRetriesTrackingCodeClash(t *testing.T) {
	a, g := newAgent(t)
	a.rand = &repeatReader{}
	ctx := context.Background()
	r1, err := a.Capture(ctx, record.KindEKTP, g.EKTP())
	if err != nil {
		t.Fatal(err)
	}
	r2, err := a.Capture(ctx, record.KindEKTP, g.EKTP())
	if err != nil {
		t.Fatalf("second capture with a clashing code: %v", err)
	}
	if r1.TrackingCode == r2.TrackingCode {
		t.Fatal("both records got the same tracking code")
	}
	in, _ := a.Store().Info(ctx)
	if in.Total != 2 || in.Seq != 2 {
		t.Fatalf("records %d, ops %d: the clash must not leave an op behind", in.Total, in.Seq)
	}
}

func TestCaptureFailsAfterRepeatedClashes(t *testing.T) {
	a, g := newAgent(t)
	ctx := context.Background()
	a.rand = bytes.NewReader(bytes.Repeat([]byte{9}, 11*10))
	if _, err := a.Capture(ctx, record.KindEKTP, g.EKTP()); err != nil {
		t.Fatal(err)
	}
	_, err := a.Capture(ctx, record.KindEKTP, g.EKTP())
	if !errors.Is(err, store.ErrTrackingCodeTaken) {
		t.Fatalf("err = %v", err)
	}
}

func TestSubmitAndEditRules(t *testing.T) {
	a, g := newAgent(t)
	ctx := context.Background()
	f := g.Birth()
	f["mother.nik"] = "6411021506950001" // a man's NIK
	r, err := a.Capture(ctx, record.KindBirth, f)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = a.Submit(ctx, r.ID, false)
	var verr *ValidationError
	if !errors.As(err, &verr) || verr.NeedsConfirmation || len(verr.Problems.ForField("mother.nik")) == 0 {
		t.Fatalf("submit with a man's NIK as mother: %v", err)
	}
	got, _ := a.Store().Get(ctx, r.ID)
	if got.Status != record.StatusDraft || got.Fields["mother.nik"] != "6411021506950001" {
		t.Fatalf("refused submit changed the record: %+v", got)
	}
	good := g.Birth()
	if _, err := a.Edit(ctx, r.ID, record.Fields{"mother.nik": good["mother.nik"], "mother.birth_date": good["mother.birth_date"]}, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Submit(ctx, r.ID, false); err != nil {
		t.Fatalf("submit after fix: %v", err)
	}
	// Editing to the same value is no change and appends no op.
	before, _ := a.Store().Info(ctx)
	if _, err := a.Edit(ctx, r.ID, record.Fields{"mother.nik": good["mother.nik"]}, false); err != nil {
		t.Fatal(err)
	}
	if after, _ := a.Store().Info(ctx); after.Seq != before.Seq {
		t.Fatalf("no-op edit appended an op: %d -> %d", before.Seq, after.Seq)
	}
}

// A form saves under the id it was given, so a second save (a reload, an
// autosave racing the button) is refused as ErrExists, not a second draft.
func TestCaptureAs(t *testing.T) {
	ctx := context.Background()
	a, _ := newAgent(t)
	id, err := NewID()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CaptureAs(ctx, id, record.KindEKTP, record.Fields{"full_name": "Ma'ruf"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CaptureAs(ctx, id, record.KindEKTP, record.Fields{"full_name": "Lain"}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second capture with the same id: %v", err)
	}
	for _, bad := range []string{"", "../etc", "123", strings.ToUpper(id)} {
		if _, err := a.CaptureAs(ctx, bad, record.KindEKTP, nil); err == nil {
			t.Errorf("id %q accepted", bad)
		}
	}
	list, err := a.Store().List(ctx, store.Filter{})
	if err != nil || len(list) != 1 || list[0].Name != "Ma'ruf" {
		t.Fatalf("records: %+v, %v", list, err)
	}
}
