package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/roster"
)

// Resident is one resident of the hub's roster (internal/roster reads the
// population database's extract).
type Resident struct {
	roster.Resident
	// EntryID names the resident's worklist entries on the laptops
	// (WorklistID). It is a random UUID made at the first import and kept
	// by every later one: an entry id says nothing about the person.
	EntryID string
}

// AuditRoster is the audit action of a roster import.
const AuditRoster = "roster.import"

// RosterReport is what a roster import did.
type RosterReport struct {
	Source    string `json:"source"`
	Added     int    `json:"added"`     // residents new to the roster
	Updated   int    `json:"updated"`   // residents whose row changed
	Unchanged int    `json:"unchanged"` // residents whose row is as before
	Skipped   int    `json:"skipped"`   // bad rows, not imported
	// SkippedRows are the bad rows: line, column and reason.
	SkippedRows []*roster.Error `json:"skipped_rows"`
	// Worklists is what the import changed on the laptops' worklists.
	Worklists WorklistChange `json:"worklists"`
}

// ImportRoster reads a roster extract (see internal/roster for the file)
// and applies every good row in one transaction, with an audit entry:
// either all of them are in the roster afterwards, or (on any error) none.
// Rows are upserted by NIK: a resident already there with the same row is
// left as is, a changed row replaces it; importing the same file twice
// changes nothing. Residents absent from the file stay in the roster (an
// extract of one district does not empty the others; a resident who died
// or moved away leaves through the population database's next full
// extract correcting their row, never by omission). The worklists of the
// file's villages (and of those residents moved from) are refreshed in the
// same transaction: the laptops' next sync brings the changes. Bad rows are skipped
// and listed in the report with their line; an error means nothing was
// imported: the file could not be read or the store refused the change.
//
// r's name, when it has one (an *os.File), names the file in messages.
func (h *Hub) ImportRoster(ctx context.Context, r io.Reader, by string) (RosterReport, error) {
	rep := RosterReport{Source: "roster", SkippedRows: []*roster.Error{}}
	if n, ok := r.(interface{ Name() string }); ok && n.Name() != "" {
		rep.Source = n.Name()
	}
	res, err := roster.Parse(rep.Source, r, h.env.Regions, h.now().UTC())
	if err != nil {
		return rep, err
	}
	rep.Skipped = len(res.Skipped)
	rep.SkippedRows = append(rep.SkippedRows, res.Skipped...)
	if len(res.Rows) == 0 {
		return rep, nil
	}
	// In NIK order: the roster's rows are found and added along its key,
	// not all over it (a third of the time at 200,000 rows).
	rows := slices.Clone(res.Rows)
	slices.SortFunc(rows, func(a, b roster.Row) int { return strings.Compare(a.NIK, b.NIK) })
	err = h.store.Update(ctx, func(tx Tx) error {
		rep.Added, rep.Updated, rep.Unchanged = 0, 0, 0
		// Every village of the file, changed or not: ages move on between
		// imports. And the villages residents moved from.
		villages := map[string]bool{}
		for _, row := range rows {
			villages[row.Village] = true
			old, err := tx.Resident(row.NIK)
			switch {
			case errors.Is(err, ErrNotFound):
				id, err := h.entryID()
				if err != nil {
					return err
				}
				if err := tx.PutResident(Resident{Resident: row.Resident, EntryID: id}); err != nil {
					return fmt.Errorf("%s: line %d: %w", rep.Source, row.Line, err)
				}
				rep.Added++
			case err != nil:
				return err
			case old.Resident == row.Resident:
				rep.Unchanged++
			default:
				if err := tx.PutResident(Resident{Resident: row.Resident, EntryID: old.EntryID}); err != nil {
					return fmt.Errorf("%s: line %d: %w", rep.Source, row.Line, err)
				}
				villages[old.Village] = true
				rep.Updated++
			}
		}
		if err := h.audit(tx, actorOf(ctx, by), AuditRoster, rep.Source, fmt.Sprintf("%d added, %d updated, %d unchanged, %d skipped",
			rep.Added, rep.Updated, rep.Unchanged, rep.Skipped)); err != nil {
			return err
		}
		var err error
		rep.Worklists, err = h.refreshWorklists(tx, "", sortedKeys(villages))
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("import roster %s (nothing was imported): %w", rep.Source, err)
	}
	return rep, nil
}

// entryID is a new resident's entry id: a UUIDv7 (random, and ordered by
// time, so a large import appends to the roster's entry id index rather
// than writing all over it).
func (h *Hub) entryID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("entry id: %w", err)
	}
	return id.String(), nil
}
