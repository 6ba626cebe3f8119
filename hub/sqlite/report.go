package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/sqlitex"
)

var _ hub.ReportStore = (*Store)(nil)

// ReportColumns are the values of the records table's report columns
// (migration 0002) for st, in the order of ReportColumnNames. PutRecord
// writes them with the rest of the row.
//
//   - captured_at: st.Created's wall time, unix ms.
//   - event_date: birth_date of a birth, death_date of a death, else "".
//   - delay_days: whole days from the event date (midnight UTC) to
//     captured_at; nil (NULL) when there is no readable event date.
//   - ktp_due: 1 for a KTP-el record of someone who must hold one: 17 or
//     older at capture, or ever married (marital_status other than
//     belum_kawin); 0 only when the birth date shows under 17 and the
//     person is not married.
//   - received_at: the wall time (unix ms) of the last event that made the
//     record received; 0 if none.
func ReportColumns(st *merge.State) []any {
	captured := st.Created.WallMs()
	v := st.Values()
	var event string
	switch st.Kind {
	case record.KindBirth:
		event = v["birth_date"]
	case record.KindDeath:
		event = v["death_date"]
	}
	var delay any
	if d, err := time.Parse(time.DateOnly, event); err == nil && event != "" {
		delay = floorDiv(captured-d.UnixMilli(), 24*60*60*1000)
	}
	due := 0
	if st.Kind == record.KindEKTP {
		due = 1
		married := v["marital_status"] != "" && v["marital_status"] != "belum_kawin"
		if b, err := time.Parse(time.DateOnly, v["birth_date"]); err == nil && !married &&
			b.AddDate(17, 0, 0).After(st.Created.Time()) {
			due = 0
		}
	}
	var received int64
	for _, e := range st.Events {
		if e.To == record.StatusReceived {
			received = e.HLC.WallMs()
		}
	}
	return []any{captured, event, delay, due, received}
}

// ReportColumnNames are the columns ReportColumns gives values for.
var ReportColumnNames = []string{"captured_at", "event_date", "delay_days", "ktp_due", "received_at"}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// metaReportColumns marks a store whose rows from before migration 0002
// have their report columns.
const metaReportColumns = "report_columns_filled"

// backfillReportColumns sets the report columns of rows written before
// migration 0002 added them (PutRecord writes them for every row since),
// once per store: Open calls it, and it marks the store done.
func (s *Store) backfillReportColumns(ctx context.Context) (int, error) {
	n := 0
	err := sqlitex.InTx(ctx, s.db, func(t *sql.Tx) error {
		var done int
		if err := t.QueryRowContext(ctx, "SELECT count(*) FROM meta WHERE key = ?", metaReportColumns).Scan(&done); err != nil || done > 0 {
			return err
		}
		if _, err := t.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, '1')", metaReportColumns); err != nil {
			return err
		}
		rows, err := t.QueryContext(ctx, "SELECT id, state FROM records WHERE captured_at = 0")
		if err != nil {
			return err
		}
		type upd struct {
			id   string
			cols []any
		}
		var todo []upd
		for rows.Next() {
			var id, state string
			if err := rows.Scan(&id, &state); err != nil {
				rows.Close()
				return err
			}
			var st merge.State
			if err := json.Unmarshal([]byte(state), &st); err != nil {
				rows.Close()
				return fmt.Errorf("record %s state: %w", id, err)
			}
			todo = append(todo, upd{id, ReportColumns(&st)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		up, err := t.PrepareContext(ctx, "UPDATE records SET "+strings.Join(ReportColumnNames, " = ?, ")+" = ? WHERE id = ?")
		if err != nil {
			return err
		}
		defer up.Close()
		for _, u := range todo {
			if _, err := up.ExecContext(ctx, append(u.cols, u.id)...); err != nil {
				return fmt.Errorf("record %s: %w", u.id, err)
			}
		}
		n = len(todo)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("report columns: %w", err)
	}
	return n, nil
}

// PutTargets inserts or replaces targets by (region, year), and runs also
// in the same transaction.
func (s *Store) PutTargets(ctx context.Context, ts []hub.Target, also func(hub.Tx) error) error {
	return sqlitex.InTx(ctx, s.db, func(t *sql.Tx) error {
		st, err := t.PrepareContext(ctx, `INSERT INTO targets (region_code, year, population, wajib_ktp, wajib_ktp_estimated, birth_rate, death_rate, imported_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (region_code, year) DO UPDATE SET population = excluded.population, wajib_ktp = excluded.wajib_ktp,
			wajib_ktp_estimated = excluded.wajib_ktp_estimated, birth_rate = excluded.birth_rate, death_rate = excluded.death_rate,
			imported_at = excluded.imported_at`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := time.Now().UnixMilli()
		for _, tg := range ts {
			est := 0
			if tg.WajibKTPEstimated {
				est = 1
			}
			if _, err := st.ExecContext(ctx, tg.Region, tg.Year, tg.Population, tg.WajibKTP, est, tg.CBR, tg.CDR, now); err != nil {
				return fmt.Errorf("target %s %d: %w", tg.Region, tg.Year, err)
			}
		}
		if also != nil {
			return also(&tx{ctx: ctx, tx: t, s: s})
		}
		return nil
	})
}

// Targets are, for each of regions that has one, its target of the latest
// year not after year.
func (s *Store) Targets(ctx context.Context, regions []string, year int) (map[string]hub.Target, error) {
	out := map[string]hub.Target{}
	// In chunks: SQLite limits bound parameters.
	for len(regions) > 0 {
		n := min(len(regions), 500)
		chunk := regions[:n]
		regions = regions[n:]
		args := []any{year}
		for _, r := range chunk {
			args = append(args, r)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT region_code, year, population, wajib_ktp, wajib_ktp_estimated, birth_rate, death_rate
			FROM targets WHERE year <= ? AND region_code IN (?`+strings.Repeat(", ?", len(chunk)-1)+`) ORDER BY region_code, year`, args...)
		if err != nil {
			return nil, fmt.Errorf("targets: %w", err)
		}
		for rows.Next() {
			var t hub.Target
			var est int
			if err := rows.Scan(&t.Region, &t.Year, &t.Population, &t.WajibKTP, &est, &t.CBR, &t.CDR); err != nil {
				rows.Close()
				return nil, fmt.Errorf("targets: %w", err)
			}
			t.WajibKTPEstimated = est != 0
			out[t.Region] = t // ordered by year: the latest wins
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("targets: %w", err)
		}
	}
	return out, nil
}

// under is the WHERE condition (with args) for village codes under the
// region code prefix: a range, so that the index serves it.
func under(prefix string) (string, []any) {
	if prefix == "" {
		return "1 = 1", nil
	}
	return "village_code >= ? AND village_code < ?", []any{prefix + ".", prefix + "/"} // '/' follows '.'
}

// Coverage counts records under q.Under by their village code's first
// q.Depth characters.
func (s *Store) Coverage(ctx context.Context, q hub.CoverageQuery) (hub.CoverageCounts, error) {
	var out hub.CoverageCounts
	if q.Depth <= len(q.Under) || q.Depth > 13 {
		return out, fmt.Errorf("coverage: depth %d under %q", q.Depth, q.Under)
	}
	cond, args := under(q.Under)
	groups := map[string]*hub.RegionCounts{}
	group := func(g string) *hub.RegionCounts {
		c, ok := groups[g]
		if !ok {
			c = &hub.RegionCounts{Region: g, Flow: map[record.Status]int64{}}
			groups[g] = c
		}
		return c
	}
	// By village, the columns in the index's order, the index streams with
	// no sort; from the provinces or the whole country that would return
	// too many rows, and SQL groups by the code's prefix instead.
	key, keyArgs := "village_code", []any(nil)
	if q.Depth < 8 {
		key, keyArgs = "substr(village_code, 1, ?)", []any{q.Depth}
	}
	// Registrations (received, approved, needing correction) of births and
	// deaths by delay: within the legal window (60 days births, 30 deaths),
	// within a year, later, no event date.
	const window = "(CASE WHEN kind = 'birth' THEN 60 ELSE 30 END)"
	rows, err := s.db.QueryContext(ctx, `SELECT `+key+`, kind, status, ktp_due, count(*),
		sum(CASE WHEN delay_days <= `+window+` THEN 1 ELSE 0 END),
		sum(CASE WHEN delay_days > `+window+` AND delay_days <= 365 THEN 1 ELSE 0 END),
		sum(CASE WHEN delay_days > 365 THEN 1 ELSE 0 END)
		FROM records WHERE `+cond+` AND captured_at >= ? AND captured_at < ?
		GROUP BY 1, 2, 3, 4`, append(append(keyArgs, args...), q.From.UnixMilli(), q.To.UnixMilli())...)
	if err != nil {
		return out, fmt.Errorf("coverage: %w", err)
	}
	for rows.Next() {
		var g, kind, status string
		var due int
		var n, onTime, year, later int64
		if err := rows.Scan(&g, &kind, &status, &due, &n, &onTime, &year, &later); err != nil {
			rows.Close()
			return out, fmt.Errorf("coverage: %w", err)
		}
		c := group(g[:min(len(g), q.Depth)])
		st := record.Status(status)
		c.Flow[st] += n
		registered := st == record.StatusReceived || st == record.StatusApproved || st == record.StatusNeedsCorrection
		if !registered {
			continue
		}
		var tl *hub.Timeliness
		switch record.Kind(kind) {
		case record.KindEKTP:
			if due == 1 {
				if st == record.StatusApproved {
					c.KTP.Approved += n
				} else {
					c.KTP.Pending += n
				}
			}
		case record.KindBirth:
			tl = &c.Births
		case record.KindDeath:
			tl = &c.Deaths
		}
		if tl != nil {
			tl.OnTime += onTime
			tl.WithinYear += year
			tl.Later += later
			tl.Unknown += n - onTime - year - later
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("coverage: %w", err)
	}

	// The backlog: what awaits review now, whenever it was captured.
	rows, err = s.db.QueryContext(ctx, `SELECT substr(village_code, 1, ?),
		CASE WHEN received_at > 0 THEN received_at ELSE captured_at END
		FROM records WHERE status = ? AND `+cond+` ORDER BY 1, 2`,
		append([]any{q.Depth, string(record.StatusReceived)}, args...)...)
	if err != nil {
		return out, fmt.Errorf("coverage backlog: %w", err)
	}
	var all, cur []int64
	curG := ""
	flush := func() {
		if len(cur) > 0 {
			group(curG).Backlog = backlog(cur)
		}
		cur = cur[:0]
	}
	var g sql.RawBytes // no string per row: the backlog can be 100,000 rows
	for rows.Next() {
		var since int64
		if err := rows.Scan(&g, &since); err != nil {
			rows.Close()
			return out, fmt.Errorf("coverage backlog: %w", err)
		}
		if string(g) != curG {
			flush()
			curG = string(g)
		}
		cur = append(cur, since)
		all = append(all, since)
	}
	flush()
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("coverage backlog: %w", err)
	}

	for _, c := range groups {
		out.Groups = append(out.Groups, *c)
		out.Total.Add(*c)
	}
	slices.SortFunc(out.Groups, func(a, b hub.RegionCounts) int { return strings.Compare(a.Region, b.Region) })
	if out.Total.Flow == nil {
		out.Total.Flow = map[record.Status]int64{}
	}
	out.Total.Region = q.Under
	slices.Sort(all)
	out.Total.Backlog = backlog(all)
	return out, nil
}

// backlog summarises sorted waiting-since times (unix ms).
func backlog(since []int64) hub.Backlog {
	if len(since) == 0 {
		return hub.Backlog{}
	}
	med := since[len(since)/2]
	if len(since)%2 == 0 {
		med = (since[len(since)/2-1] + since[len(since)/2]) / 2
	}
	return hub.Backlog{Count: int64(len(since)), Oldest: time.UnixMilli(since[0]).UTC(), Median: time.UnixMilli(med).UTC()}
}

// DeviceFlow counts records under q.Under captured in [q.From, q.To) by
// device and status.
func (s *Store) DeviceFlow(ctx context.Context, q hub.CoverageQuery) (map[string]map[record.Status]int64, error) {
	cond, args := under(q.Under)
	rows, err := s.db.QueryContext(ctx, `SELECT device_id, status, count(*) FROM records
		WHERE `+cond+` AND captured_at >= ? AND captured_at < ? GROUP BY 1, 2`, append(args, q.From.UnixMilli(), q.To.UnixMilli())...)
	if err != nil {
		return nil, fmt.Errorf("device flow: %w", err)
	}
	defer rows.Close()
	out := map[string]map[record.Status]int64{}
	for rows.Next() {
		var dev string
		var st record.Status
		var n int64
		if err := rows.Scan(&dev, &st, &n); err != nil {
			return nil, fmt.Errorf("device flow: %w", err)
		}
		if out[dev] == nil {
			out[dev] = map[record.Status]int64{}
		}
		out[dev][st] = n
	}
	return out, rows.Err()
}

// Daily counts records under q.Under captured in [q.From, q.To) by UTC day
// and kind (integer division: portable to PostgreSQL).
func (s *Store) Daily(ctx context.Context, q hub.CoverageQuery) (map[int64]map[record.Kind]int64, error) {
	cond, args := under(q.Under)
	rows, err := s.db.QueryContext(ctx, `SELECT captured_at / 86400000, kind, count(*) FROM records
		WHERE `+cond+` AND captured_at >= ? AND captured_at < ? GROUP BY 1, 2`, append(args, q.From.UnixMilli(), q.To.UnixMilli())...)
	if err != nil {
		return nil, fmt.Errorf("daily counts: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[record.Kind]int64{}
	for rows.Next() {
		var d, n int64
		var k record.Kind
		if err := rows.Scan(&d, &k, &n); err != nil {
			return nil, fmt.Errorf("daily counts: %w", err)
		}
		if out[d] == nil {
			out[d] = map[record.Kind]int64{}
		}
		out[d][k] = n
	}
	return out, rows.Err()
}
