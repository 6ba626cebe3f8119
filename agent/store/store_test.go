package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/internal/atrest"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/syncproto"
)

// cheapArgon keeps tests fast; the format stores the parameters, so a
// store made with them unlocks like any other.
var cheapArgon = atrest.Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}

const pass = "kata sandi rahasia"

func newStore(t testing.TB, phys func() time.Time) (*DB, *Store, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "agent.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Init(ctx, InitParams{Passphrase: []byte(pass), Argon: cheapArgon, Officer: "Yakobus Lenjau", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st, err := db.Unlock(ctx, []byte(pass), phys)
	if err != nil {
		t.Fatal(err)
	}
	return db, st, path
}

func ektp(id, code, nik, name string) *record.Record {
	return &record.Record{ID: id, Kind: record.KindEKTP, Status: record.StatusDraft, TrackingCode: code, Fields: record.Fields{
		"nik": nik, "full_name": name, "birth_date": "1985-03-12", "address": "Jl. Sungai Mahakam No. 5",
		"kk_number": "6411010101200003", "village_code": "64.11.01.2001",
	}}
}

func TestCreateUpdateAndOps(t *testing.T) {
	ctx := context.Background()
	_, st, _ := newStore(t, nil)
	r := ektp("0193a000-0000-7000-8000-000000000001", "AAAAAAAAAAA0", "6411015203850002", "Siti Aminah")
	op1, err := st.Create(ctx, r, map[string]string{"tracking_code": r.TrackingCode})
	if err != nil {
		t.Fatal(err)
	}
	if op1.Seq != 1 || op1.Action != syncproto.ActionCreate || op1.HLC.IsZero() {
		t.Fatalf("create op = %+v", op1)
	}
	got, op2, err := st.Update(ctx, r.ID, func(r *record.Record) (Mutation, error) {
		return Mutation{Action: syncproto.ActionUpdate, Set: record.Fields{"full_name": "Siti Aminah Hulau", "address": ""}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Fields["full_name"] != "Siti Aminah Hulau" || got.Fields["address"] != "" {
		t.Fatalf("updated fields = %v", got.Fields)
	}
	if op2.Seq != 2 || op2.HLC <= op1.HLC || op2.Base["full_name"] != op1.HLC || op2.Base["address"] != op1.HLC {
		t.Fatalf("update op = %+v (create hlc %v)", op2, op1.HLC)
	}
	// A no-change update writes nothing.
	if _, op, err := st.Update(ctx, r.ID, func(*record.Record) (Mutation, error) { return Mutation{}, ErrNoChange }); err != nil || op.Seq != 0 {
		t.Fatalf("no-change update: op %+v err %v", op, err)
	}
	ops, err := st.Ops(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[0].Fields["full_name"] != "Siti Aminah" || ops[1].Fields["address"] != "" || ops[1].Fields["full_name"] != "Siti Aminah Hulau" {
		t.Fatalf("ops = %+v", ops)
	}
	// A failing update function leaves nothing behind.
	boom := errors.New("boom")
	if _, _, err := st.Update(ctx, r.ID, func(*record.Record) (Mutation, error) { return Mutation{}, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if in, _ := st.Info(ctx); in.Seq != 2 || in.Total != 1 || in.ByStatus[record.StatusDraft] != 1 {
		t.Fatalf("info = %+v", in)
	}
	if _, err := st.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get missing: %v", err)
	}
}

func TestSeqHasNoGaps(t *testing.T) {
	ctx := context.Background()
	_, st, _ := newStore(t, nil)
	const n = 50
	for i := 0; i < n; i++ {
		id := "0193a000-0000-7000-8000-0000000001" + twoDigits(i)
		r := ektp(id, "AAAAAAAAA"+twoDigits(i)+"0", "6411015203850002", "Siti")
		if _, err := st.Create(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		// A duplicate tracking code fails the insert: the transaction rolls
		// back and must not consume a sequence number.
		dup := ektp(id+"x", r.TrackingCode, "6411015203850002", "Siti")
		if _, err := st.Create(ctx, dup, nil); err == nil {
			t.Fatal("duplicate tracking code was accepted")
		}
	}
	ops, err := st.Ops(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range ops {
		if op.Seq != uint64(i+1) {
			t.Fatalf("op %d has seq %d", i, op.Seq)
		}
		if i > 0 && op.HLC <= ops[i-1].HLC {
			t.Fatalf("hlc went backwards at seq %d", op.Seq)
		}
	}
	if len(ops) != n {
		t.Fatalf("%d ops, want %d", len(ops), n)
	}
}

func twoDigits(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }

// TestNoPlaintextOnDisk saves records and greps every file the store made
// (database, WAL, shared memory) for the names and NIKs.
func TestNoPlaintextOnDisk(t *testing.T) {
	ctx := context.Background()
	db, st, path := newStore(t, nil)
	// Values, and field names too: which fields a record has filled (a
	// father on a birth, a late reason) is itself personal.
	secrets := []string{"6411015203850002", "Siti Aminah", "Ma'ruf Hulau", "6411011203850009", "Jl. Sungai Mahakam", "1985-03-12", "6411010101200003",
		"full_name", "kk_number"}
	for i, p := range [][2]string{{"6411015203850002", "Siti Aminah"}, {"6411011203850009", "Ma'ruf Hulau"}} {
		r := ektp("0193a000-0000-7000-8000-00000000000"+string(rune('1'+i)), "BBBBBBBBBB"+string(rune('1'+i))+"0", p[0], p[1])
		if _, err := st.Create(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Update(ctx, r.ID, func(*record.Record) (Mutation, error) {
			return Mutation{Action: syncproto.ActionUpdate, Set: record.Fields{"full_name": p[1] + " Lawing"}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Check while open (WAL holds the data) and after close (checkpointed).
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
	// The blind index still finds the record without plaintext.
	found, err := st.FindNIK(ctx, "6411011203850009")
	if err != nil || len(found) != 1 || found[0].Name != "Ma'ruf Hulau Lawing" || found[0].Field != "nik" {
		t.Fatalf("FindNIK = %+v, %v", found, err)
	}
	db.Close()
	grep("closed")
}

func TestWrongPassphrase(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newStore(t, nil)
	for _, p := range []string{"", "kata sandi rahasiA", "kata sandi rahasia "} {
		if _, err := db.Unlock(ctx, []byte(p), nil); !errors.Is(err, ErrWrongPassphrase) {
			t.Errorf("Unlock(%q) error = %v, want ErrWrongPassphrase", p, err)
		}
	}
	if err := db.Init(ctx, InitParams{Passphrase: []byte("x"), Argon: cheapArgon}); !errors.Is(err, ErrAlreadyInitialized) {
		t.Errorf("second Init: %v", err)
	}
}

func TestUnlockUninitialized(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "agent.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Unlock(context.Background(), []byte(pass), nil); !errors.Is(err, ErrNotInitialized) {
		t.Fatalf("err = %v", err)
	}
}

// TestTamperedBlobIsRefused moves one record's sealed fields into another
// row: the associated data binds each blob to its row, so reading fails
// loudly instead of showing the wrong person.
func TestTamperedBlobIsRefused(t *testing.T) {
	ctx := context.Background()
	db, st, _ := newStore(t, nil)
	a := ektp("0193a000-0000-7000-8000-00000000000a", "CCCCCCCCCCA0", "6411015203850002", "Siti")
	b := ektp("0193a000-0000-7000-8000-00000000000b", "CCCCCCCCCCB0", "6411011203850009", "Yohanes")
	for _, r := range []*record.Record{a, b} {
		if _, err := st.Create(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.sql.ExecContext(ctx, "UPDATE records SET fields = (SELECT fields FROM records WHERE id = ?) WHERE id = ?", a.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, b.ID); !errors.Is(err, atrest.ErrCorrupt) {
		t.Fatalf("Get swapped blob: %v", err)
	}
}

// TestClockSurvivesRestartSetBack saves, "restarts" with the wall clock a
// day behind (a dead RTC battery), and checks the next op's HLC is still
// after every earlier one.
func TestClockSurvivesRestartSetBack(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	db, st, path := newStore(t, func() time.Time { return now })
	r := ektp("0193a000-0000-7000-8000-0000000000c1", "DDDDDDDDDDD0", "6411015203850002", "Siti")
	op1, err := st.Create(ctx, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	behind := now.Add(-24 * time.Hour)
	st2, err := db2.Unlock(ctx, []byte(pass), func() time.Time { return behind })
	if err != nil {
		t.Fatal(err)
	}
	_, op2, err := st2.Update(ctx, r.ID, func(*record.Record) (Mutation, error) {
		return Mutation{Action: syncproto.ActionUpdate, Set: record.Fields{"full_name": "Siti A."}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if op2.HLC <= op1.HLC {
		t.Fatalf("HLC went backwards after restart with clock a day behind: %v then %v", op1.HLC, op2.HLC)
	}
	if op2.Seq != op1.Seq+1 {
		t.Fatalf("seq %d after %d", op2.Seq, op1.Seq)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	_, st, _ := newStore(t, nil)
	r := ektp("0193a000-0000-7000-8000-0000000000d1", "7KQ4MRT9XHA0", "6411015203850002", "Siti")
	// Use a real tracking code with a valid check character.
	r.TrackingCode = validCode(t)
	if _, err := st.Create(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	pretty := r.TrackingCode[:4] + "-" + r.TrackingCode[4:8] + "-" + r.TrackingCode[8:]
	for _, ref := range []string{r.ID, strings.ToUpper(r.ID), r.TrackingCode, strings.ToLower(pretty), " " + pretty + " "} {
		id, err := st.Resolve(ctx, ref)
		if err != nil || id != r.ID {
			t.Errorf("Resolve(%q) = %q, %v", ref, id, err)
		}
	}
	if _, err := st.Resolve(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve(nope): %v", err)
	}
}

// TestDeviceKeys: init makes the device's signing and sealing keys; the
// private half opens only with the passphrase and matches the public half
// kept in the clear for enrolment.
func TestDeviceKeys(t *testing.T) {
	ctx := context.Background()
	_, st, path := newStore(t, nil)
	id, err := st.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := id.Public().MarshalText()
	if in.PublicKey == "" || in.PublicKey != string(pub) {
		t.Fatalf("public key %q, identity %q", in.PublicKey, pub)
	}
	raw, _ := id.MarshalBinary()
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if bytes.Contains(data, raw[len(raw)-32:]) || bytes.Contains(data, raw[8:40]) {
			t.Fatalf("device private key is in %s in the clear", f)
		}
	}
}

// The villages the hub assigns at enrolment are what the forms offer, so
// they must survive a restart; enrolling again replaces them.
func TestEnrolRemembersVillages(t *testing.T) {
	ctx := context.Background()
	db, st, _ := newStore(t, nil)
	if _, err := st.Hub(ctx); !errors.Is(err, ErrNotEnrolled) {
		t.Fatalf("before enrolment: %v", err)
	}
	id, _ := st.Identity(ctx)
	h := Hub{URL: "http://127.0.0.1:1", Key: id.Public(), Villages: []string{"64.11.01.2001", "64.11.01.2002"}}
	if err := st.Enroll(ctx, h, "Maria Hanyeq"); err != nil {
		t.Fatal(err)
	}
	again, err := db.Unlock(ctx, []byte(pass), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Hub(ctx)
	if err != nil || got.URL != h.URL || strings.Join(got.Villages, ",") != "64.11.01.2001,64.11.01.2002" || again.Officer() != "Maria Hanyeq" {
		t.Fatalf("hub %+v officer %q, %v", got, again.Officer(), err)
	}
	h.Villages = nil
	if err := st.Enroll(ctx, h, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Hub(ctx); len(got.Villages) != 0 {
		t.Fatalf("villages after re-enrolment without any: %v", got.Villages)
	}
}
