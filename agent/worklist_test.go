package agent

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/agent/hubclient"
	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/atrest"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/roster"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/wilayah"
	"github.com/jemputbola/jemput/syncproto"
)

// enrollIn makes an agent (its store file at the returned path) enrolled
// at th for villages.
func enrollIn(t testing.TB, th *testHub, villages ...string) (*Agent, *synth.Gen, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "agent.db")
	db, err := store.Open(ctx, path)
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
	a, g := New(st, tree), synth.New(7, time.Now(), villages)
	code, _, err := th.hub.NewEnrolCode(ctx, "Maria Hanyeq", villages)
	if err != nil {
		t.Fatal(err)
	}
	id, err := st.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	epoch, _ := st.Epoch(ctx)
	req, err := syncproto.NewEnrollRequest(code, st.DeviceID(), "Maria", epoch, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hubclient.Enroll(ctx, http.DefaultClient, th.srv.URL, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Enroll(ctx, store.Hub{URL: th.srv.URL, Key: resp.Hub, Villages: resp.Villages}, resp.Officer); err != nil {
		t.Fatal(err)
	}
	return a, g, path
}

func importRoster(t testing.TB, th *testHub, rs []roster.Resident) hub.RosterReport {
	t.Helper()
	var b bytes.Buffer
	if err := roster.Write(&b, rs); err != nil {
		t.Fatal(err)
	}
	rep, err := th.hub.ImportRoster(context.Background(), &b, "admin")
	if err != nil || rep.Skipped > 0 {
		t.Fatalf("import roster: %+v, %v", rep, err)
	}
	return rep
}

func worklistNames(t testing.TB, a *Agent, village string) []string {
	t.Helper()
	es, err := a.store.Worklist(context.Background(), village)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, string(e.Kind)+" "+e.Fields["full_name"]+e.Fields["child_name"])
	}
	return out
}

// The officer's day with a worklist, end to end over HTTP: the laptop of
// village A gets A's residents due a KTP-el or a birth certificate (and
// none of B's), starts a form from an entry, and once the hub approves it
// the entry leaves the laptop's list. No NIK or name is in the laptop's
// files in clear.
func TestWorklistEndToEnd(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	const a, b = "64.11.03.2002", "64.11.03.2003"
	today := time.Now().UTC()
	// Residents of A and B: the generator's people, with flags set here.
	rs := synth.New(3, today, []string{a}).Roster(40)
	rs = append(rs, synth.New(4, today, []string{b}).Roster(40)...)
	var due []roster.Resident // A's residents due a KTP-el
	for i := range rs {
		r := &rs[i]
		r.HasKTPEl = r.AgeOn(today) < 17 || i%4 != 0
		r.HasBirthCert = r.AgeOn(today) >= 18 || i%3 != 0
		if r.Village == a && !r.HasKTPEl {
			due = append(due, *r)
		}
	}
	if len(due) < 2 {
		t.Fatalf("only %d due a KTP-el in A", len(due))
	}
	importRoster(t, th, rs)
	ag, g, path := enrollIn(t, th, a)
	rep, err := ag.Sync(ctx, client(t, ag, th.srv.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := worklistNames(t, ag, a)
	if rep.Applied.Worklist != len(got) || len(got) < len(due) {
		t.Fatalf("%d worklist ops applied, %d entries: %q", rep.Applied.Worklist, len(got), got)
	}
	if other := worklistNames(t, ag, b); len(other) != 0 {
		t.Errorf("village B's entries on A's laptop: %q", other)
	}
	counts, err := ag.store.WorklistCounts(ctx)
	if err != nil || len(counts) != 1 || counts[a][record.KindEKTP] != len(due) {
		t.Errorf("counts %v, %v; want %d KTP-el entries in %s only", counts, err, len(due), a)
	}

	// The officer opens the first KTP-el entry and captures the resident:
	// the form starts from the entry's prefill.
	es, err := ag.store.Worklist(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(es, func(e store.WorklistEntry) bool { return e.Kind == record.KindEKTP })
	entry, err := ag.store.WorklistEntry(ctx, es[i].ID)
	if err != nil {
		t.Fatal(err)
	}
	fields := g.EKTP()
	for p, v := range entry.Fields {
		fields[p] = v
	}
	r, err := ag.Capture(ctx, record.KindEKTP, fields)
	if err != nil {
		t.Fatal(err)
	}
	if _, probs, err := ag.Submit(ctx, r.ID, true); err != nil {
		t.Fatalf("submit the prefilled record: %v %v", err, probs)
	}
	if _, err := ag.Sync(ctx, client(t, ag, th.srv.URL), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := th.hub.Decide(ctx, r.ID, record.StatusApproved, "", nil, "op"); err != nil {
		t.Fatal(err)
	}
	rep, err = ag.Sync(ctx, client(t, ag, th.srv.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Applied.Decisions != 1 || rep.Applied.Worklist != 1 {
		t.Errorf("after the approval: %+v, want one decision and one worklist op", rep.Applied)
	}
	if _, err := ag.store.WorklistEntry(ctx, entry.ID); err == nil {
		t.Error("the approved resident is still on the worklist")
	}
	if after := worklistNames(t, ag, a); len(after) != len(got)-1 {
		t.Errorf("worklist %d -> %d entries", len(got), len(after))
	}

	// Nothing of the roster is in the laptop's files in clear.
	var secrets []string
	for _, r := range rs {
		if r.Village == a {
			secrets = append(secrets, r.NIK, r.Name)
		}
	}
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds %q in clear", filepath.Base(f), s)
			}
		}
	}
}

// A worklist larger than one downstream bundle reaches the laptop whole
// in one sync: the agent asks again until the hub has nothing more.
func TestWorklistLargerThanABundle(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	const v = "64.11.03.2002"
	rs := synth.New(5, time.Now().UTC(), []string{v}).Roster(hub.MaxChangesPerBundle * 2)
	want := 0
	for i := range rs {
		rs[i].HasKTPEl = rs[i].AgeOn(time.Now().UTC()) < 17
		rs[i].HasBirthCert = true
		if !rs[i].HasKTPEl {
			want++
		}
	}
	if want <= hub.MaxChangesPerBundle {
		t.Fatalf("only %d due", want)
	}
	importRoster(t, th, rs)
	ag, _, _ := enrollIn(t, th, v)
	var downloads int
	rep, err := ag.Sync(ctx, client(t, ag, th.srv.URL), func(e SyncEvent) {
		if e.Phase == "download" {
			downloads++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := ag.store.WorklistCounts(ctx)
	if err != nil || counts[v][record.KindEKTP] != want || rep.Applied.Worklist != want || downloads < 2 {
		t.Fatalf("%v entries (%v), %d applied in %d downloads; want %d in 2 or more", counts, err, rep.Applied.Worklist, downloads, want)
	}
	if es, err := ag.store.Worklist(ctx, v); err != nil || len(es) != want || !strings.HasPrefix(es[0].ID, "wl-ektp-") {
		t.Fatalf("Worklist: %d entries, %v", len(es), err)
	}
}
