package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/syncproto"
)

// hubSeq numbers the hub ops of a test.
var hubSeq uint64

func worklistOp(id string, kind record.Kind, state string, fields record.Fields) syncproto.Op {
	hubSeq++
	return syncproto.Op{OpID: uuid.NewString(), DeviceID: syncproto.HubSender, Seq: hubSeq, HLC: hlc.New(1_800_000_000_000, 0),
		RecordID: id, Kind: kind, Action: syncproto.ActionWorklist, Fields: fields, Meta: map[string]string{"state": state}}
}

func ektpEntry(nik, name, village string) record.Fields {
	return record.Fields{"nik": nik, "kk_number": "6411010101200003", "full_name": name, "birth_date": "1990-07-04", "sex": "L",
		"village_code": village}
}

func names(es []WorklistEntry) []string {
	var out []string
	for _, e := range es {
		spec, _ := record.SpecFor(e.Kind)
		out = append(out, spec.Name(e.Fields))
	}
	return out
}

func TestWorklist(t *testing.T) {
	ctx := context.Background()
	_, st, _ := newStore(t, nil)
	const a, b = "64.11.01.2001", "64.11.02.2001"
	yohanes := worklistOp("wl-birth-1", record.KindBirth, "open", record.Fields{"child_name": "Yohanes Lawing", "sex": "L",
		"birth_date": "2015-06-01", "village_code": a, "kk_number": "6411010101200003"})
	ops := []syncproto.Op{
		worklistOp("wl-ektp-2", record.KindEKTP, "open", ektpEntry("6411010407900001", "Ma'ruf Hulau", a)),
		yohanes,
		worklistOp("wl-ektp-3", record.KindEKTP, "open", ektpEntry("6411010407900002", "Agnes Ding", a)),
		worklistOp("wl-ektp-4", record.KindEKTP, "open", ektpEntry("6411020407900003", "Petrus Ngau", b)),
	}
	res, err := st.ApplyHubOps(ctx, ops, hubSeq)
	if err != nil || res.Worklist != 4 || res.Edits+res.Decisions+res.Skipped != 0 {
		t.Fatalf("apply: %+v, %v", res, err)
	}
	got, err := st.Worklist(ctx, a)
	if err != nil || !slices.Equal(names(got), []string{"Agnes Ding", "Ma'ruf Hulau", "Yohanes Lawing"}) {
		t.Fatalf("worklist of A, by name: %q, %v", names(got), err)
	}
	if e := got[2]; e.ID != "wl-birth-1" || e.Kind != record.KindBirth || e.Village != a || e.Fields["birth_date"] != "2015-06-01" {
		t.Errorf("entry %+v", e)
	}
	counts, err := st.WorklistCounts(ctx)
	if err != nil || counts[a][record.KindEKTP] != 2 || counts[a][record.KindBirth] != 1 || counts[b][record.KindEKTP] != 1 || len(counts) != 2 {
		t.Fatalf("counts %v, %v", counts, err)
	}
	// The same ops again (a return file from the start) change nothing.
	if res, err := st.ApplyHubOps(ctx, ops, hubSeq); err != nil || res.Skipped != 4 || res.Worklist != 0 {
		t.Fatalf("again: %+v, %v", res, err)
	}
	// A new prefill replaces the old one; done removes the entry, twice
	// over if need be.
	moved := worklistOp("wl-ektp-2", record.KindEKTP, "open", ektpEntry("6411010407900001", "Ma'ruf Hulau", b))
	done := worklistOp("wl-birth-1", record.KindBirth, "done", nil)
	if _, err := st.ApplyHubOps(ctx, []syncproto.Op{moved, done, worklistOp("wl-birth-1", record.KindBirth, "done", nil)}, hubSeq); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Worklist(ctx, a); !slices.Equal(names(got), []string{"Agnes Ding"}) {
		t.Errorf("A after the move and done: %q", names(got))
	}
	if got, _ := st.Worklist(ctx, b); !slices.Equal(names(got), []string{"Ma'ruf Hulau", "Petrus Ngau"}) {
		t.Errorf("B after the move: %q", names(got))
	}
	e, err := st.WorklistEntry(ctx, "wl-ektp-2")
	if err != nil || e.Village != b || e.Fields["nik"] != "6411010407900001" || e.Fields["village_code"] != b {
		t.Errorf("WorklistEntry = %+v, %v", e, err)
	}
	if _, err := st.WorklistEntry(ctx, "wl-birth-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a done entry: %v", err)
	}
	// An entry is no record: the officer's records are untouched.
	if _, err := st.Get(ctx, "wl-ektp-2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of an entry id: %v", err)
	}
}

// An op of an action this laptop does not know fails the batch: nothing
// of it is applied and the cursor stays, so a newer agent gets it again.
func TestUnknownHubActionFailsLoudly(t *testing.T) {
	ctx := context.Background()
	_, st, _ := newStore(t, nil)
	before, _ := st.HubCursor(ctx)
	unknown := worklistOp("wl-ektp-9", record.KindEKTP, "open", ektpEntry("6411010407900001", "Ma'ruf Hulau", "64.11.01.2001"))
	unknown.Action = "transfer"
	for _, batch := range [][]syncproto.Op{
		{worklistOp("wl-ektp-8", record.KindEKTP, "open", ektpEntry("6411010407900002", "Agnes Ding", "64.11.01.2001")), unknown},
		{worklistOp("wl-ektp-7", record.KindEKTP, "moved", nil)},
	} {
		if _, err := st.ApplyHubOps(ctx, batch, hubSeq+10); err == nil {
			t.Fatalf("%s applied without an error", batch[len(batch)-1].Action)
		}
	}
	if c, _ := st.HubCursor(ctx); c != before {
		t.Errorf("cursor moved %d -> %d", before, c)
	}
	if counts, _ := st.WorklistCounts(ctx); len(counts) != 0 {
		t.Errorf("half a batch applied: %v", counts)
	}
}

// TestWorklistNoPlaintextOnDisk greps the store's files for the names and
// NIKs of worklist entries, open and done.
func TestWorklistNoPlaintextOnDisk(t *testing.T) {
	ctx := context.Background()
	db, st, path := newStore(t, nil)
	secrets := []string{"6411010407900001", "Ma'ruf Hulau", "6411010106150003", "Yohanes Lawing", "6411010101200003",
		"1990-07-04", "2015-06-01", "full_name", "child_name"}
	ops := []syncproto.Op{
		worklistOp("wl-ektp-1", record.KindEKTP, "open", ektpEntry("6411010407900001", "Ma'ruf Hulau", "64.11.01.2001")),
		worklistOp("wl-birth-2", record.KindBirth, "open", record.Fields{"child_name": "Yohanes Lawing", "sex": "L",
			"birth_date": "2015-06-01", "village_code": "64.11.01.2001", "kk_number": "6411010101200003"}),
	}
	if _, err := st.ApplyHubOps(ctx, ops, hubSeq); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyHubOps(ctx, []syncproto.Op{worklistOp("wl-ektp-1", record.KindEKTP, "done", nil)}, hubSeq); err != nil {
		t.Fatal(err)
	}
	grep := func(when string) {
		files, _ := filepath.Glob(path + "*")
		if len(files) == 0 {
			t.Fatal("no store files")
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("%s: %s contains plaintext %q", when, filepath.Base(f), s)
				}
			}
		}
	}
	grep("open")
	if e, err := st.WorklistEntry(ctx, "wl-birth-2"); err != nil || e.Fields["child_name"] != "Yohanes Lawing" {
		t.Fatalf("entry still readable with the key: %+v, %v", e, err)
	}
	db.Close()
	grep("closed")
}

// A sealed entry moved into another row fails to open instead of showing
// the wrong person.
func TestWorklistBlobBoundToRow(t *testing.T) {
	ctx := context.Background()
	db, st, _ := newStore(t, nil)
	ops := []syncproto.Op{
		worklistOp("wl-ektp-1", record.KindEKTP, "open", ektpEntry("6411010407900001", "Ma'ruf Hulau", "64.11.01.2001")),
		worklistOp("wl-ektp-2", record.KindEKTP, "open", ektpEntry("6411010407900002", "Agnes Ding", "64.11.01.2001")),
	}
	if _, err := st.ApplyHubOps(ctx, ops, hubSeq); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, "UPDATE worklist SET fields = (SELECT fields FROM worklist WHERE id = 'wl-ektp-1') WHERE id = 'wl-ektp-2'"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.WorklistEntry(ctx, "wl-ektp-2"); err == nil {
		t.Fatal("a blob moved to another entry opened")
	}
}

// A record created from a worklist entry is linked to it in the same
// transaction; a later record from the entry takes the link over; the
// link goes with the entry.
func TestWorklistStarted(t *testing.T) {
	ctx := context.Background()
	_, st, _ := newStore(t, nil)
	const a = "64.11.01.2001"
	if _, err := st.ApplyHubOps(ctx, []syncproto.Op{
		worklistOp("wl-ektp-7", record.KindEKTP, "open", ektpEntry("6411011203850002", "Ma'ruf Hulau", a)),
		worklistOp("wl-ektp-8", record.KindEKTP, "open", ektpEntry("6411010407900002", "Agnes Ding", a)),
	}, hubSeq); err != nil {
		t.Fatal(err)
	}
	started := func() map[string]string {
		t.Helper()
		m, err := st.WorklistStarted(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for e, sm := range m {
			out[e] = sm.ID + " " + sm.Name
		}
		return out
	}
	if got := started(); len(got) != 0 {
		t.Fatalf("links before any record: %v", got)
	}
	first := ektp(uuid.NewString(), "AAAA-AAAA-AAA1", "6411011203850002", "Ma'ruf Hulau")
	op, err := st.Create(ctx, first, map[string]string{MetaWorklistEntry: "wl-ektp-7"})
	if err != nil {
		t.Fatal(err)
	}
	if op.Meta[MetaWorklistEntry] != "wl-ektp-7" {
		t.Errorf("the create op does not name its entry: %v", op.Meta)
	}
	if got := started(); len(got) != 1 || got["wl-ektp-7"] != first.ID+" Ma'ruf Hulau" {
		t.Fatalf("after the first record: %v", got)
	}
	// A record of an id already taken fails whole: no link to it is left.
	if _, err := st.Create(ctx, ektp(first.ID, "AAAA-AAAA-AAA2", "6411010407900002", "Agnes Ding"),
		map[string]string{MetaWorklistEntry: "wl-ektp-8"}); !errors.Is(err, ErrExists) {
		t.Fatalf("create under a taken id: %v", err)
	}
	if got := started(); len(got) != 1 {
		t.Fatalf("a failed create left a link: %v", got)
	}
	second := ektp(uuid.NewString(), "AAAA-AAAA-AAA3", "6411011203850002", "Ma'ruf Hulau")
	if _, err := st.Create(ctx, second, map[string]string{MetaWorklistEntry: "wl-ektp-7"}); err != nil {
		t.Fatal(err)
	}
	if got := started(); got["wl-ektp-7"] != second.ID+" Ma'ruf Hulau" {
		t.Fatalf("the second record did not take the link: %v", got)
	}
	if _, err := st.ApplyHubOps(ctx, []syncproto.Op{worklistOp("wl-ektp-7", record.KindEKTP, "done", nil)}, hubSeq); err != nil {
		t.Fatal(err)
	}
	if got := started(); len(got) != 0 {
		t.Fatalf("links after the entry was done: %v", got)
	}
	if _, err := st.Get(ctx, first.ID); err != nil {
		t.Fatalf("the record itself must stay: %v", err)
	}
}
