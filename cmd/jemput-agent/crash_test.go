package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/wilayah"
)

// buildAgent compiles the real binary once per test run.
func buildAgent(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "jemput-agent")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build jemput-agent: %v", err)
	}
	return bin
}

// TestSIGKILLLosesNoAcknowledgedRecord starts the real binary saving a
// stream of records, kills it with SIGKILL at a random moment, and repeats.
// Every record whose id the binary printed (its acknowledgement, written
// only after the fsynced commit) must then be in the store with exactly the
// fields that were sent, the op log must have no gap, and SQLite must pass
// its integrity check.
func TestSIGKILLLosesNoAcknowledgedRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the real binary")
	}
	bin := buildAgent(t)
	dir := newStoreDir(t)
	tree, err := wilayah.Load()
	if err != nil {
		t.Fatal(err)
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	gen := synth.New(seed, time.Now(), synth.Villages(tree, "64.11"))
	spec, _ := record.SpecFor(record.KindEKTP)

	acked := map[string]record.Fields{} // id -> fields sent
	const rounds = 12
	killedMidway := 0
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(bin, "record", "ektp", "--file", "-", "--json", "--data", dir)
		cmd.Env = append(os.Environ(), "JEMPUT_PASSPHRASE="+testPass)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Feed records as fast as the binary takes them; remember each
		// line's fields to check against what the store holds afterwards.
		sent := make(chan map[int]record.Fields, 1)
		go func() {
			lines := map[int]record.Fields{}
			w := bufio.NewWriter(stdin)
			for i := 1; i <= 5000; i++ {
				f := gen.EKTP()
				lines[i] = f
				b, _ := json.Marshal(spec.JSON(f))
				if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
					break
				}
				if i%4 == 0 {
					if w.Flush() != nil {
						break
					}
				}
			}
			w.Flush()
			stdin.Close()
			sent <- lines
		}()
		// Kill between 0.3 s (the unlock takes a while) and 1.5 s in.
		delay := time.Duration(300+rng.Intn(1200)) * time.Millisecond
		timer := time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
		var acks []struct {
			Line int    `json:"line"`
			ID   string `json:"id"`
		}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var a struct {
				Line int    `json:"line"`
				ID   string `json:"id"`
			}
			if err := json.Unmarshal(sc.Bytes(), &a); err == nil && a.ID != "" {
				acks = append(acks, a)
			}
		}
		err := cmd.Wait()
		timer.Stop()
		lines := <-sent
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			killedMidway++
		} else if err != nil {
			t.Fatalf("round %d: binary failed on its own: %v", round, err)
		}
		for _, a := range acks {
			acked[a.ID] = lines[a.Line]
		}
		t.Logf("round %d: killed after %v, %d records acknowledged", round, delay, len(acks))
	}
	if killedMidway < rounds/2 {
		t.Fatalf("only %d of %d rounds were killed mid-run; the test is not testing crashes", killedMidway, rounds)
	}
	if len(acked) == 0 {
		t.Fatal("no record was ever acknowledged")
	}

	ctx := context.Background()
	db, err := store.Open(ctx, dbPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Unlock(ctx, []byte(testPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range acked {
		r, err := st.Get(ctx, id)
		if err != nil {
			t.Fatalf("acknowledged record %s lost: %v", id, err)
		}
		if !equalFields(r.Fields, want) {
			t.Fatalf("record %s: stored fields differ from those sent:\n got %v\nwant %v", id, r.Fields, want)
		}
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := st.Ops(ctx, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range ops {
		if op.Seq != uint64(i+1) {
			t.Fatalf("op log has a gap: position %d holds seq %d", i, op.Seq)
		}
	}
	if uint64(len(ops)) != info.Seq || len(ops) != info.Total {
		t.Fatalf("ops %d, seq %d, records %d: every save is one record and one op", len(ops), info.Seq, info.Total)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rounds, %d killed mid-run, %d acknowledged records all present, %d saved in all", rounds, killedMidway, len(acked), info.Total)
}

func equalFields(a, b record.Fields) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
