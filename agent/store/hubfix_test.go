package store

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/syncproto"
)

func hubUpdate(id string, at hlc.Timestamp, fields map[string]string, resolves string) syncproto.Op {
	hubSeq++
	meta := map[string]string{"by": "Operator Rina"}
	if resolves != "" {
		meta[syncproto.MetaResolves] = resolves
	}
	return syncproto.Op{OpID: uuid.NewString(), DeviceID: syncproto.HubSender, Seq: hubSeq, HLC: at, RecordID: id,
		Action: syncproto.ActionUpdate, Fields: fields, Meta: meta}
}

// An operator's change is noted once, with only the fields it changed on
// this laptop, and only those of them it claims to resolve; a change the
// laptop's newer values override leaves no note.
func TestHubFixes(t *testing.T) {
	ctx := context.Background()
	_, st, _ := newStore(t, nil)
	r := ektp(uuid.NewString(), "AAAA-AAAA-AAA1", "6411011203850002", "Ma'ruf Hulau")
	op, err := st.Create(ctx, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	later := hlc.New(op.HLC.WallMs()+1000, 0)
	fix := hubUpdate(r.ID, later, map[string]string{"address": "Jl. Damai No. 3", "occupation": "Petani", "no_such": "x"}, "address,rt")
	stale := hubUpdate(r.ID, hlc.New(op.HLC.WallMs()-1000, 0), map[string]string{"address": "Jl. Lama"}, "address")
	if _, err := st.ApplyHubOps(ctx, []syncproto.Op{fix, stale}, hubSeq); err != nil {
		t.Fatal(err)
	}
	// The same ops again (a return file read twice) add nothing.
	if _, err := st.ApplyHubOps(ctx, []syncproto.Op{fix, stale}, hubSeq); err != nil {
		t.Fatal(err)
	}
	fixes, err := st.HubFixes(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(fixes) != 1 {
		t.Fatalf("%d fixes noted, want 1 (the stale one changed nothing): %+v", len(fixes), fixes)
	}
	f := fixes[0]
	if !slices.Equal(f.Fields, []string{"address", "occupation"}) || !slices.Equal(f.Resolved, []string{"address"}) ||
		f.By != "Operator Rina" || !f.At.Equal(later.Time()) {
		t.Errorf("fix %+v: want address and occupation changed, address resolved, by Operator Rina at %v", f, later.Time())
	}
	if got, _ := st.Get(ctx, r.ID); got.Fields["address"] != "Jl. Damai No. 3" {
		t.Errorf("address %q", got.Fields["address"])
	}
}
