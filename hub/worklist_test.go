package hub_test

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/roster"
	"github.com/jemputbola/jemput/syncproto"
)

// enrolIn enrols a new laptop assigned villages (any region codes).
func (f *fixture) enrolIn(t testing.TB, officer string, villages ...string) *device {
	t.Helper()
	d := newDevice(t, officer)
	code, _, err := f.h.NewEnrolCode(f.ctx, officer, villages)
	if err != nil {
		t.Fatal(err)
	}
	req, err := syncproto.NewEnrollRequest(code, d.id, d.officer, d.epoch, d.identity, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.h.Enroll(f.ctx, req); err != nil {
		t.Fatal(err)
	}
	return d
}

// worklist is a laptop's view of its worklist: the ops it was sent, as a
// laptop applies them, and its cursor.
type worklist struct {
	entries map[string]syncproto.Op // open entries by id
	cursor  uint64
	ops     int // worklist ops received
	bundles int
}

// pull fetches d's changes after w's cursor, bundle by bundle as a laptop
// does (opening each with the laptop's key), and applies the worklist ops.
func (f *fixture) pull(t testing.TB, d *device, w *worklist) *worklist {
	t.Helper()
	if w == nil {
		w = &worklist{entries: map[string]syncproto.Op{}}
	}
	for {
		b, hdr, err := f.h.Changes(f.ctx, d.id, w.cursor)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return w
		}
		if bytes.Contains(b, []byte("Ma'ruf")) || bytes.Contains(b, []byte(maruf.NIK)) {
			t.Fatal("a downstream bundle holds a name or NIK in clear")
		}
		_, ops, err := d.opener(f.hubID.Public()).Open(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("open changes: %v", err)
		}
		if len(ops) > hub.MaxChangesPerBundle {
			t.Fatalf("%d ops in one bundle", len(ops))
		}
		w.bundles++
		for _, op := range ops {
			if op.Action != syncproto.ActionWorklist {
				continue
			}
			w.ops++
			switch op.Meta["state"] {
			case hub.WorklistOpen:
				w.entries[op.RecordID] = op
			case hub.WorklistDone:
				if _, ok := w.entries[op.RecordID]; !ok {
					t.Errorf("done for %s, which was not open", op.RecordID)
				}
				delete(w.entries, op.RecordID)
			default:
				t.Fatalf("worklist op with state %q", op.Meta["state"])
			}
		}
		if hdr.SeqLast <= w.cursor {
			t.Fatalf("cursor %d did not move (%d)", w.cursor, hdr.SeqLast)
		}
		w.cursor = hdr.SeqLast
	}
}

// names are the open entries' kinds and names, sorted.
func (w *worklist) names() []string {
	var out []string
	for _, op := range w.entries {
		name := op.Fields["full_name"] + op.Fields["child_name"]
		out = append(out, string(op.Kind)+" "+name)
	}
	slices.Sort(out)
	return out
}

func TestWorklistPerVillage(t *testing.T) {
	f := newFixture(t)
	young := resident(6, "Lusia Bulan", "P", "2009-11-21", villageA) // 17 tomorrow
	young.HasBirthCert = true
	f.importRoster(t, rosterCSV(t, siti, maruf, yohan, agnes, script, young))
	a := f.enrolIn(t, "Petugas A", villageA)
	b := f.enrolIn(t, "Petugas B", "64.11.02") // a district: every village in it
	none := f.enrolIn(t, "Petugas tanpa desa")

	wa, wb := f.pull(t, a, nil), f.pull(t, b, nil)
	if got, want := wa.names(), []string{"birth Yohanes Lawing", "ektp Ma'ruf Hulau"}; !slices.Equal(got, want) {
		t.Errorf("village A's worklist: %q, want %q", got, want)
	}
	// B: Agnes (55, no KTP-el); the girl born 2008-11-25 is 17 and under
	// 18: due both.
	if got, want := wb.names(), []string{"birth <script>alert(1)</script>", "ektp <script>alert(1)</script>", "ektp Agnes Ding"}; !slices.Equal(got, want) {
		t.Errorf("village B's worklist: %q, want %q", got, want)
	}
	if w := f.pull(t, none, nil); w.ops != 0 {
		t.Errorf("a laptop with no village got %d worklist ops", w.ops)
	}
	// The prefill is in the record's own field names, and the entry id
	// names no one.
	for _, op := range wa.entries {
		spec, err := record.SpecFor(op.Kind)
		if err != nil {
			t.Fatal(err)
		}
		for p := range op.Fields {
			if _, ok := spec.Field(p); !ok {
				t.Errorf("%s prefill field %q is not a %s field", op.RecordID, p, op.Kind)
			}
		}
		if op.Kind == record.KindEKTP && (op.Fields["nik"] != maruf.NIK || op.Fields["village_code"] != villageA || op.Fields["sex"] != "L") {
			t.Errorf("ektp prefill %v", op.Fields)
		}
		if !strings.HasPrefix(op.RecordID, "wl-"+string(op.Kind)+"-") || strings.Contains(op.RecordID, maruf.NIK) ||
			strings.Contains(op.RecordID, yohan.NIK) || op.DeviceID != syncproto.HubSender {
			t.Errorf("entry %+v", op)
		}
	}

	// Importing the same file again sends nothing.
	if rep := f.importRoster(t, rosterCSV(t, siti, maruf, yohan, agnes, script, young)); rep.Worklists != (hub.WorklistChange{}) {
		t.Errorf("same roster again: %+v", rep.Worklists)
	}
	if w := f.pull(t, a, wa); w.bundles != 1 {
		t.Errorf("same roster again: %d new bundles for A", w.bundles-1)
	}

	// A day later Lusia is 17: a refresh puts her on A's list.
	f.clock.Advance(24 * time.Hour)
	ch, err := f.h.RefreshWorklists(f.ctx)
	if err != nil || ch != (hub.WorklistChange{Open: 1, Devices: 1}) {
		t.Fatalf("refresh: %+v, %v", ch, err)
	}
	f.pull(t, a, wa)
	if got := wa.names(); !slices.Contains(got, "ektp Lusia Bulan") || len(got) != 3 {
		t.Errorf("after her birthday: %q", got)
	}

	// Ma'ruf moves to B and Yohanes gets his certificate: off A's list;
	// Ma'ruf onto B's, with the same entry id.
	moved, certified := maruf, yohan
	moved.Village, certified.HasBirthCert = villageB, true
	rep := f.importRoster(t, rosterCSV(t, moved, certified))
	if rep.Updated != 2 || rep.Worklists != (hub.WorklistChange{Open: 1, Done: 2, Devices: 2}) {
		t.Fatalf("moved and certified: %+v", rep)
	}
	var marufID string
	for id, op := range wa.entries {
		if op.Fields["full_name"] == maruf.Name {
			marufID = id
		}
	}
	f.pull(t, a, wa)
	f.pull(t, b, wb)
	if got := wa.names(); !slices.Equal(got, []string{"ektp Lusia Bulan"}) {
		t.Errorf("A after the move: %q", got)
	}
	if op, ok := wb.entries[marufID]; !ok || op.Fields["village_code"] != villageB {
		t.Errorf("B after the move: %q (%s: %+v)", wb.names(), marufID, op)
	}
}

// approve makes d capture, submit and sync a record, and an operator
// approve it.
func (f *fixture) approve(t testing.TB, d *device, kind record.Kind, fields record.Fields) string {
	t.Helper()
	c := d.create(t, kind, fields)
	f.ingest(t, f.seal(t, d, c, d.submit(c)))
	if _, err := f.h.Decide(f.ctx, c.RecordID, record.StatusApproved, "", nil, "op"); err != nil {
		t.Fatalf("approve: %v", err)
	}
	return c.RecordID
}

func TestWorklistApprovals(t *testing.T) {
	f := newFixture(t)
	// The KTP-el fixture's person, and the birth fixture's child (village
	// B), a child of the same date and family card elsewhere spelt a
	// little differently, and one of the same date with another name.
	ektp := ektpFields(t, 7)
	applicant := resident(7, ektp["full_name"], "P", ektp["birth_date"], villageA)
	birth := fixtureFields(t, record.KindBirth)
	baby := resident(8, birth["child_name"], "L", birth["birth_date"], villageB)
	sibling := resident(9, "Yohanes Lawin", "L", birth["birth_date"], "64.11.01.2002")
	sibling.KKNumber = birth["kk_number"]
	other := resident(10, "Maria Ding", "P", birth["birth_date"], villageB)
	f.importRoster(t, rosterCSV(t, applicant, maruf, baby, sibling, other))
	a := f.enrolIn(t, "Petugas A", "64.11.01")
	b := f.enrolIn(t, "Petugas B", villageB)
	wa, wb := f.pull(t, a, nil), f.pull(t, b, nil)
	if got := wa.names(); !slices.Equal(got, []string{"birth Yohanes Lawin", "ektp Ma'ruf Hulau", "ektp " + ektp["full_name"]}) {
		t.Fatalf("A: %q", got)
	}
	if got := wb.names(); !slices.Equal(got, []string{"birth Maria Ding", "birth Yohanes Lawing"}) {
		t.Fatalf("B: %q", got)
	}

	// Approving the KTP-el of the roster's NIK takes it off A's list,
	// and nothing else changes anywhere.
	f.approve(t, a, record.KindEKTP, ektp)
	f.pull(t, a, wa)
	if got := wa.names(); !slices.Equal(got, []string{"birth Yohanes Lawin", "ektp Ma'ruf Hulau"}) {
		t.Errorf("A after the KTP-el approval: %q", got)
	}
	before := wb.ops
	if f.pull(t, b, wb); wb.ops != before {
		t.Errorf("B got %d worklist ops from an approval in A", wb.ops-before)
	}
	// A re-import that still says "no KTP-el" does not bring it back.
	if rep := f.importRoster(t, rosterCSV(t, applicant)); rep.Worklists != (hub.WorklistChange{}) {
		t.Errorf("re-import after approval: %+v", rep.Worklists)
	}

	// The approved birth matches the child of its village and the one of
	// its family card (a similar name), not the other child of that date.
	f.approve(t, b, record.KindBirth, birth)
	f.pull(t, a, wa)
	f.pull(t, b, wb)
	if got := wb.names(); !slices.Equal(got, []string{"birth Maria Ding"}) {
		t.Errorf("B after the birth approval: %q", got)
	}
	if got := wa.names(); !slices.Equal(got, []string{"ektp Ma'ruf Hulau"}) {
		t.Errorf("A after the birth approval: %q", got)
	}
	// Rejections change no worklist.
	c := a.create(t, record.KindEKTP, ektpFields(t, 11))
	f.ingest(t, f.seal(t, a, c, a.submit(c)))
	before = wa.ops
	if _, err := f.h.Decide(f.ctx, c.RecordID, record.StatusRejected, "foto buram", nil, "op"); err != nil {
		t.Fatal(err)
	}
	if f.pull(t, a, wa); wa.ops != before {
		t.Errorf("a rejection sent %d worklist ops", wa.ops-before)
	}
}

// A worklist longer than one downstream bundle arrives whole over several
// rounds; a revoked laptop gets nothing more.
func TestWorklistLargerThanABundle(t *testing.T) {
	f := newFixture(t)
	var rs []roster.Resident
	for i := 1; len(rs) < hub.MaxChangesPerBundle+1500; i++ {
		birth := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -i).Format(time.DateOnly)
		rs = append(rs, resident(1, fmt.Sprintf("Warga %d", i), []string{"L", "P"}[i%2], birth, villageA))
	}
	f.importRoster(t, rosterCSV(t, rs...))
	a := f.enrolIn(t, "Petugas A", villageA)
	gone := f.enrolIn(t, "Petugas hilang", villageA)
	w := f.pull(t, a, nil)
	if len(w.entries) != len(rs) || w.bundles < 2 {
		t.Fatalf("%d entries in %d bundles, want %d in 2 or more", len(w.entries), w.bundles, len(rs))
	}
	want := map[string]bool{}
	for _, r := range rs {
		want["ektp "+r.Name] = true
	}
	if got := w.names(); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Error("the entries that arrived are not the roster's")
	}
	if _, err := f.h.Revoke(f.ctx, gone.id); err != nil {
		t.Fatal(err)
	}
	f.pull(t, gone, nil) // what was queued before the revocation
	rs[0].HasKTPEl = true
	if rep := f.importRoster(t, rosterCSV(t, rs[0])); rep.Worklists != (hub.WorklistChange{Done: 1, Devices: 1}) {
		t.Errorf("one resident done: %+v", rep.Worklists)
	}
}

// The USB return file carries a worklist longer than one HTTP round.
func TestWorklistInReturnFile(t *testing.T) {
	f := newFixture(t)
	var rs []roster.Resident
	for i := 1; len(rs) < hub.MaxChangesPerBundle+500; i++ {
		birth := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -i).Format(time.DateOnly)
		rs = append(rs, resident(1, fmt.Sprintf("Warga %d", i), "L", birth, villageA))
	}
	f.importRoster(t, rosterCSV(t, rs...))
	d := f.enrolIn(t, "Petugas A", villageA)
	c := d.create(t, record.KindEKTP, ektpFields(t, 1))
	_, results, err := f.h.ImportFile(f.ctx, bytes.NewReader(f.seal(t, d, c)))
	if err != nil {
		t.Fatal(err)
	}
	var ret bytes.Buffer
	if err := f.h.ReturnFile(f.ctx, &ret, d.id, results); err != nil {
		t.Fatal(err)
	}
	_, b, err := syncproto.ReadReturn(&ret, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, ops, err := d.opener(f.hubID.Public()).Open(bytes.NewReader(b))
	if err != nil || len(ops) != len(rs) {
		t.Fatalf("return file: %d ops, %v; want the %d worklist entries", len(ops), err, len(rs))
	}
}
