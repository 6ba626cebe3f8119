package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/roster"
)

func resident(nik, kk, village, birth string, entry string) hub.Resident {
	return hub.Resident{Resident: roster.Resident{NIK: nik, KKNumber: kk, Name: "Ma'ruf Hulau", Sex: "L", Birth: birth, Village: village},
		EntryID: entry}
}

// The roster's rows, looked up by NIK, village, family card and region; a
// second Put of a NIK updates the row and keeps its entry id.
func TestRosterStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update(ctx, func(tx hub.Tx) error {
		for _, r := range []hub.Resident{
			resident("6411010407900001", "6411010101200003", "64.11.01.2001", "1990-07-04", "e1"),
			resident("6411010106150003", "6411010101200003", "64.11.01.2002", "2015-06-01", "e2"),
			resident("6411020106150003", "6411020101200003", "64.11.02.2001", "2015-06-01", "e3"),
		} {
			if err := tx.PutResident(r); err != nil {
				return err
			}
		}
		moved := resident("6411010407900001", "6411010101200003", "64.11.01.2002", "1990-07-04", "ignored")
		moved.HasKTPEl = true
		return tx.PutResident(moved)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(ctx, func(tx hub.Tx) error {
		r, err := tx.Resident("6411010407900001")
		if err != nil || r.Village != "64.11.01.2002" || !r.HasKTPEl || r.EntryID != "e1" {
			t.Errorf("updated resident = %+v, %v", r, err)
		}
		if _, err := tx.Resident("6411019999999999"); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("unknown NIK: %v", err)
		}
		rs, err := tx.Residents("64.11.01.2002")
		if err != nil || len(rs) != 2 || rs[0].NIK != "6411010106150003" {
			t.Errorf("Residents = %+v, %v", rs, err)
		}
		if rs, err := tx.Residents("64.11.01.2001"); err != nil || len(rs) != 0 {
			t.Errorf("a village its residents left: %+v, %v", rs, err)
		}
		// Due: e2 (born 2015, no KTP-el, no certificate) is under 18; e1
		// (1990, KTP-el now) is due nothing.
		if rs, err := tx.ResidentsDue("64.11.01.2002", "2009-11-20", "2008-11-20"); err != nil || len(rs) != 1 || rs[0].EntryID != "e2" {
			t.Errorf("ResidentsDue = %+v, %v", rs, err)
		}
		if rs, err := tx.ResidentsDue("64.11.01.2002", "2009-11-20", "2015-06-01"); err != nil || len(rs) != 0 {
			t.Errorf("ResidentsDue, all grown = %+v, %v", rs, err)
		}
		if rs, err := tx.ResidentsByKK("6411010101200003"); err != nil || len(rs) != 2 {
			t.Errorf("ResidentsByKK = %+v, %v", rs, err)
		}
		for region, want := range map[string][]string{
			"":              {"64.11.01.2002", "64.11.02.2001"},
			"64.11":         {"64.11.01.2002", "64.11.02.2001"},
			"64.11.01":      {"64.11.01.2002"},
			"64.11.01.2002": {"64.11.01.2002"},
			"64.11.0":       nil, // not a code: no prefix match
			"64.12":         nil,
		} {
			if got, err := tx.RosterVillages(region); err != nil || !slices.Equal(got, want) {
				t.Errorf("RosterVillages(%q) = %v, %v; want %v", region, got, err, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Two residents with one entry id: the store refuses the second.
	err = st.Update(ctx, func(tx hub.Tx) error {
		return tx.PutResident(resident("6411030407900001", "6411010101200003", "64.11.03.2001", "1990-07-04", "e2"))
	})
	if err == nil {
		t.Error("a second resident with entry id e2 was stored")
	}
}

func TestWorklistSentStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update(ctx, func(tx hub.Tx) error {
		for _, w := range []hub.WorklistItem{
			{Device: "d1", EntryID: "wl-ektp-a", Kind: record.KindEKTP, Village: "64.11.01.2001", State: hub.WorklistOpen, Digest: "x"},
			{Device: "d1", EntryID: "wl-birth-b", Kind: record.KindBirth, Village: "64.11.02.2001", State: hub.WorklistOpen, Digest: "y"},
			{Device: "d2", EntryID: "wl-ektp-a", Kind: record.KindEKTP, Village: "64.11.01.2001", State: hub.WorklistOpen, Digest: "x"},
			{Device: "d1", EntryID: "wl-ektp-a", Kind: record.KindEKTP, Village: "64.11.01.2001", State: hub.WorklistDone},
		} {
			if err := tx.PutWorklistSent(w); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(ctx, func(tx hub.Tx) error {
		got, err := tx.WorklistSent("d1", "64.11.01")
		if err != nil || len(got) != 1 || got[0].State != hub.WorklistDone || got[0].Digest != "" {
			t.Errorf("WorklistSent(d1, 64.11.01) = %+v, %v", got, err)
		}
		if got, err := tx.WorklistSent("d1", ""); err != nil || len(got) != 2 {
			t.Errorf("WorklistSent(d1) = %+v, %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Approved records are found by duplicate key and by event date; others are not.
func TestApprovedLookups(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := hlc.New(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).UnixMilli(), 0)
	put := func(tx hub.Tx, id string, kind record.Kind, status record.Status, key string, fields map[string]string) error {
		s := &merge.State{ID: id, Kind: kind, TrackingCode: "AAAAAAAAAAA" + id[len(id)-1:], DeviceID: "d", Created: at, Updated: at,
			Status: status, Fields: map[string]merge.Field{}}
		for p, v := range fields {
			s.Fields[p] = merge.Field{Write: merge.Write{Value: v}}
		}
		return tx.PutRecord(hub.Record{State: s, DuplicateKey: key})
	}
	err = st.Update(ctx, func(tx hub.Tx) error {
		for _, e := range []error{
			put(tx, "r1", record.KindEKTP, record.StatusApproved, "ektp:1", nil),
			put(tx, "r2", record.KindEKTP, record.StatusReceived, "ektp:2", nil),
			put(tx, "r3", record.KindBirth, record.StatusApproved, "", map[string]string{"birth_date": "2026-02-20", "village_code": "64.11.01.2001"}),
			put(tx, "r4", record.KindBirth, record.StatusRejected, "", map[string]string{"birth_date": "2026-02-20"}),
			put(tx, "r5", record.KindBirth, record.StatusApproved, "", map[string]string{"birth_date": "2026-02-21"}),
		} {
			if e != nil {
				return e
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(ctx, func(tx hub.Tx) error {
		keys, err := tx.ApprovedKeys([]string{"ektp:1", "ektp:2", "ektp:3"})
		if err != nil || len(keys) != 1 || !keys["ektp:1"] {
			t.Errorf("ApprovedKeys = %v, %v", keys, err)
		}
		rs, err := tx.ApprovedByEventDate(record.KindBirth, []string{"2026-02-20", "2026-02-22"})
		if err != nil || len(rs) != 1 || rs[0].State.ID != "r3" {
			t.Errorf("ApprovedByEventDate = %+v, %v", rs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
