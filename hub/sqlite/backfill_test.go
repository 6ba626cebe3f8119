package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/hub/sqlite"
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
)

// A store whose records predate the report columns gets them filled in
// once, when it is opened.
func TestOpenBackfillsReportColumnsOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	created := hlc.New(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).UnixMilli(), 0)
	s := &merge.State{ID: "r1", Kind: record.KindBirth, TrackingCode: "AAAAAAAAAAAA", DeviceID: "d", Created: created, Updated: created,
		Status: record.StatusReceived, Fields: map[string]merge.Field{
			"village_code": {Write: merge.Write{Value: "64.11.01.2001"}}, "birth_date": {Write: merge.Write{Value: "2026-02-20"}}}}
	if err := st.Update(ctx, func(tx hub.Tx) error { return tx.PutRecord(hub.Record{State: s}) }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// As a store from before migration 0002 would be.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE records SET captured_at = 0, event_date = '', delay_days = NULL; DELETE FROM meta WHERE key = 'report_columns_filled'"); err != nil {
		t.Fatal(err)
	}
	read := func() (int64, int64) {
		var c, d int64
		if err := db.QueryRow("SELECT captured_at, delay_days FROM records WHERE id = 'r1'").Scan(&c, &d); err != nil {
			t.Fatal(err)
		}
		return c, d
	}
	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if c, d := read(); c != created.WallMs() || d != 9 {
		t.Fatalf("after reopening: captured_at %d delay %d, want %d and 9", c, d, created.WallMs())
	}
	// Done once: a later zero is not scanned for again at every open.
	db.Exec("UPDATE records SET captured_at = 0")
	st, _ = sqlite.Open(ctx, path)
	st.Close()
	var c int64
	db.QueryRow("SELECT captured_at FROM records WHERE id = 'r1'").Scan(&c)
	if c != 0 {
		t.Fatal("the backfill ran again on a store already filled")
	}
}
