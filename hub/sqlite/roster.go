package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/record"
)

// The roster and the worklists sent from it (migration 0006).

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *tx) PutResident(r hub.Resident) error {
	err := t.exec(`INSERT INTO roster (nik, kk_number, name, sex, birth_date, village_code, has_ktp_el, has_birth_certificate, entry_id, imported_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (nik) DO UPDATE SET kk_number = excluded.kk_number, name = excluded.name, sex = excluded.sex,
		birth_date = excluded.birth_date, village_code = excluded.village_code, has_ktp_el = excluded.has_ktp_el,
		has_birth_certificate = excluded.has_birth_certificate, imported_at = excluded.imported_at`,
		r.NIK, r.KKNumber, r.Name, r.Sex, r.Birth, r.Village, boolInt(r.HasKTPEl), boolInt(r.HasBirthCert), r.EntryID,
		time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("roster resident: %w", err)
	}
	return nil
}

const residentCols = "nik, kk_number, name, sex, birth_date, village_code, has_ktp_el, has_birth_certificate, entry_id"

func scanResident(sc interface{ Scan(...any) error }) (hub.Resident, error) {
	var r hub.Resident
	var ktp, cert int
	err := sc.Scan(&r.NIK, &r.KKNumber, &r.Name, &r.Sex, &r.Birth, &r.Village, &ktp, &cert, &r.EntryID)
	r.HasKTPEl, r.HasBirthCert = ktp != 0, cert != 0
	return r, err
}

func (t *tx) Resident(nik string) (hub.Resident, error) {
	r, err := scanResident(t.row("SELECT "+residentCols+" FROM roster WHERE nik = ?", nik))
	return r, notFound(err, "roster resident")
}

func (t *tx) residents(what, q string, args ...any) ([]hub.Resident, error) {
	rows, err := t.query("SELECT "+residentCols+" FROM roster WHERE "+q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []hub.Resident
	for rows.Next() {
		r, err := scanResident(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (t *tx) Residents(village string) ([]hub.Resident, error) {
	return t.residents("roster of "+village, "village_code = ? ORDER BY nik", village)
}

func (t *tx) ResidentsDue(village, adultBorn, grownBorn string) ([]hub.Resident, error) {
	return t.residents("roster of "+village, `village_code = ? AND ((has_ktp_el = 0 AND birth_date <= ?)
		OR (has_birth_certificate = 0 AND birth_date > ?)) ORDER BY nik`, village, adultBorn, grownBorn)
}

func (t *tx) ResidentsByKK(kk string) ([]hub.Resident, error) {
	return t.residents("roster by family card", "kk_number = ? ORDER BY nik", kk)
}

// inRegion is the condition "col is region or a code under it" and its
// arguments: one range on the index, from the code itself to the code
// followed by '/', which sorts right after '.' and before any digit.
func inRegion(col, region string) (string, []any) {
	if region == "" {
		return "1 = 1", nil
	}
	return col + " >= ? AND " + col + " < ?", []any{region, region + "/"}
}

func (t *tx) RosterVillages(region string) ([]string, error) {
	cond, args := inRegion("village_code", region)
	rows, err := t.query("SELECT DISTINCT village_code FROM roster WHERE "+cond+" ORDER BY village_code", args...)
	if err != nil {
		return nil, fmt.Errorf("roster villages: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("roster villages: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// chunks calls fn with at most 500 of list at a time: SQLite bounds the
// number of parameters of one statement.
func chunks(list []string, fn func(part []string, marks string) error) error {
	for len(list) > 0 {
		n := min(len(list), 500)
		if err := fn(list[:n], "?"+strings.Repeat(", ?", n-1)); err != nil {
			return err
		}
		list = list[n:]
	}
	return nil
}

func anys(first []any, list []string) []any {
	out := append(make([]any, 0, len(first)+len(list)), first...)
	for _, s := range list {
		out = append(out, s)
	}
	return out
}

func (t *tx) ApprovedKeys(keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := chunks(keys, func(part []string, marks string) error {
		rows, err := t.query("SELECT DISTINCT dup_key FROM records WHERE status = ? AND dup_key IN ("+marks+")",
			anys([]any{string(record.StatusApproved)}, part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			out[k] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("approved keys: %w", err)
	}
	return out, nil
}

func (t *tx) ApprovedByEventDate(kind record.Kind, dates []string) ([]hub.Record, error) {
	var ids []string
	err := chunks(dates, func(part []string, marks string) error {
		rows, err := t.query("SELECT id FROM records WHERE kind = ? AND event_date IN ("+marks+") AND status = ? ORDER BY id",
			append(anys([]any{string(kind)}, part), string(record.StatusApproved))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("approved %s records by date: %w", kind, err)
	}
	out := make([]hub.Record, 0, len(ids))
	for _, id := range ids {
		r, err := t.Record(id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (t *tx) WorklistSent(device, region string) ([]hub.WorklistItem, error) {
	cond, args := inRegion("village_code", region)
	rows, err := t.query("SELECT device_id, entry_id, kind, village_code, state, digest FROM worklist_sent WHERE device_id = ? AND "+cond+
		" ORDER BY entry_id", append([]any{device}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("worklist sent to %s: %w", device, err)
	}
	defer rows.Close()
	var out []hub.WorklistItem
	for rows.Next() {
		var w hub.WorklistItem
		if err := rows.Scan(&w.Device, &w.EntryID, &w.Kind, &w.Village, &w.State, &w.Digest); err != nil {
			return nil, fmt.Errorf("worklist sent to %s: %w", device, err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func (t *tx) PutWorklistSent(w hub.WorklistItem) error {
	err := t.exec(`INSERT INTO worklist_sent (device_id, entry_id, kind, village_code, state, digest) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (device_id, entry_id) DO UPDATE SET kind = excluded.kind, village_code = excluded.village_code,
		state = excluded.state, digest = excluded.digest`,
		w.Device, w.EntryID, string(w.Kind), w.Village, w.State, w.Digest)
	if err != nil {
		return fmt.Errorf("worklist sent to %s: %w", w.Device, err)
	}
	return nil
}

// RosterCounts counts the roster's residents of villages, and those born
// on or before adultBorn.
func (s *Store) RosterCounts(ctx context.Context, villages []string, adultBorn string) (map[string]hub.RosterCount, error) {
	out := map[string]hub.RosterCount{}
	err := chunks(villages, func(part []string, marks string) error {
		rows, err := s.db.QueryContext(ctx, `SELECT village_code, count(*), sum(CASE WHEN birth_date <= ? THEN 1 ELSE 0 END)
			FROM roster WHERE village_code IN (`+marks+`) GROUP BY village_code`, anys([]any{adultBorn}, part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			var c hub.RosterCount
			if err := rows.Scan(&v, &c.Residents, &c.WajibKTP); err != nil {
				return err
			}
			out[v] = c
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("roster counts: %w", err)
	}
	return out, nil
}
