package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/merge"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/roster"
	"github.com/jemputbola/jemput/syncproto"
)

// Worklists. For each village assigned to a laptop (Device.Villages; a
// district or regency code assigns every village under it), the officer's
// worklist is, from the roster:
//
//   - ektp: residents aged 17 or older today (the hub's clock) without a
//     KTP-el, unless an approved KTP-el record with their NIK is at the hub;
//   - birth: residents under 18 without a birth certificate, unless an
//     approved birth record matches them: same birth date, same village or
//     family card, and a similar child's name (merge.SimilarNames, the
//     duplicate check's rule).
//
// Each entry travels to the laptop as an ActionWorklist hub op, sealed in
// the downstream bundles like every other hub op. The hub remembers what it
// sent each laptop (Tx.WorklistSent); a refresh computes what each laptop
// should have in the villages concerned and sends only the differences: an
// "open" op for a new or changed entry, a "done" op for one that left the
// list. Refreshes run, in the transaction of the change that causes them,
// after a roster import (its villages), an enrolment (the laptop's
// villages) and an approval (the record's village and its resident's), so
// an approval touches one village, not the regency. Ages move with the
// calendar alone: RefreshWorklists catches them up (`jemput-hub roster
// refresh`, e.g. nightly).

// Worklist entry states, as sent in an ActionWorklist op's Meta["state"].
const (
	WorklistOpen = syncproto.WorklistOpen // the officer should see this resident
	WorklistDone = syncproto.WorklistDone // off the list: registered, or no longer due
)

// WorklistItem is what the hub last sent one device of one worklist entry.
type WorklistItem struct {
	Device  string
	EntryID string // the op's RecordID: WorklistID(kind, Resident.EntryID)
	Kind    record.Kind
	Village string
	State   string // WorklistOpen or WorklistDone
	Digest  string // of the prefill sent with WorklistOpen
}

// WorklistID is the id of a resident's worklist entry of kind, on every
// laptop: "wl-ektp-" or "wl-birth-" and the resident's EntryID.
func WorklistID(kind record.Kind, entry string) string {
	return "wl-" + string(kind) + "-" + entry
}

// WorklistChange counts the worklist ops a refresh queued.
type WorklistChange struct {
	Open    int `json:"open"`    // entries sent as open (new or changed)
	Done    int `json:"done"`    // entries sent as done (off the list)
	Devices int `json:"devices"` // laptops that got any
}

// entry is one worklist entry a laptop should have.
type entry struct {
	id      string
	kind    record.Kind
	village string
	fields  record.Fields
	digest  string
}

// worklistOf is what every laptop assigned village should have of it on
// day, by entry id.
func worklistOf(tx Tx, village string, day time.Time) (map[string]entry, error) {
	adult := roster.BornOnOrBefore(day, record.EKTPMinAge) // 17 or older: born on or before
	grown := roster.BornOnOrBefore(day, 18)                // 18 or older
	rs, err := tx.ResidentsDue(village, adult, grown)
	if err != nil {
		return nil, err
	}
	var ektp, birth []Resident
	var keys, dates []string
	for _, r := range rs {
		if !r.HasKTPEl && r.Birth <= adult {
			ektp = append(ektp, r)
			keys = append(keys, merge.DuplicateKey(record.KindEKTP, record.Fields{"nik": r.NIK}))
		}
		if !r.HasBirthCert && r.Birth > grown {
			birth = append(birth, r)
			dates = append(dates, r.Birth)
		}
	}
	out := make(map[string]entry, len(ektp)+len(birth))
	add := func(kind record.Kind, r Resident, f record.Fields) error {
		e := entry{id: WorklistID(kind, r.EntryID), kind: kind, village: r.Village, fields: f}
		j, err := json.Marshal(f) // keys sorted: the same prefill, the same digest
		if err != nil {
			return err
		}
		sum := sha256.Sum256(append([]byte(kind+"\n"), j...))
		e.digest = hex.EncodeToString(sum[:16])
		out[e.id] = e
		return nil
	}
	if len(ektp) > 0 {
		approved, err := tx.ApprovedKeys(keys)
		if err != nil {
			return nil, err
		}
		for i, r := range ektp {
			if approved[keys[i]] {
				continue
			}
			if err := add(record.KindEKTP, r, record.Fields{"nik": r.NIK, "kk_number": r.KKNumber, "full_name": r.Name,
				"birth_date": r.Birth, "sex": r.Sex, "village_code": r.Village}); err != nil {
				return nil, err
			}
		}
	}
	if len(birth) > 0 {
		slices.Sort(dates)
		approved, err := tx.ApprovedByEventDate(record.KindBirth, slices.Compact(dates))
		if err != nil {
			return nil, err
		}
		byDate := map[string][]record.Fields{}
		for _, a := range approved {
			v := a.State.Values()
			byDate[v["birth_date"]] = append(byDate[v["birth_date"]], v)
		}
	child:
		for _, r := range birth {
			for _, a := range byDate[r.Birth] {
				if (a.VillageCode() == r.Village || a["kk_number"] == r.KKNumber) && merge.SimilarNames(a["child_name"], r.Name) {
					continue child
				}
			}
			if err := add(record.KindBirth, r, record.Fields{"child_name": r.Name, "sex": r.Sex, "birth_date": r.Birth,
				"village_code": r.Village, "kk_number": r.KKNumber}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// covers reports whether region code p is c or above it ("" covers all).
func covers(p, c string) bool {
	return p == "" || c == p || strings.HasPrefix(c, p+".")
}

// refreshWorklists brings the worklists of the villages in regions up to
// date on every laptop assigned any of them (only device's, if device is
// not ""), queuing an ActionWorklist op per difference. regions nil means
// every village of each laptop's assignment; an empty regions, none.
func (h *Hub) refreshWorklists(tx Tx, device string, regions []string) (WorklistChange, error) {
	var ch WorklistChange
	if regions != nil && len(regions) == 0 {
		return ch, nil
	}
	devs, err := tx.Devices()
	if err != nil {
		return ch, err
	}
	day := h.now().UTC()
	wanted := map[string]map[string]entry{} // by village: computed once for every laptop
	var ts hlc.Timestamp                    // one stamp for the refresh's ops
	for _, d := range devs {
		if d.Revoked() || len(d.Villages) == 0 || (device != "" && d.ID != device) {
			continue
		}
		// The regions of d to look at: its assignment met with regions.
		var look []string
		for _, a := range d.Villages {
			if regions == nil {
				look = append(look, a)
			}
			for _, s := range regions {
				switch {
				case covers(a, s):
					look = append(look, s)
				case covers(s, a):
					look = append(look, a)
				}
			}
		}
		slices.Sort(look)
		look = slices.Compact(look)
		// Drop codes under another one: each village is looked at once.
		look = slices.DeleteFunc(look, func(c string) bool {
			return slices.ContainsFunc(look, func(p string) bool { return p != c && covers(p, c) })
		})
		if len(look) == 0 {
			continue
		}
		sent := map[string]WorklistItem{}
		villages := map[string]bool{}
		for _, reg := range look {
			vs, err := tx.RosterVillages(reg)
			if err != nil {
				return ch, err
			}
			for _, v := range vs {
				villages[v] = true
			}
			items, err := tx.WorklistSent(d.ID, reg)
			if err != nil {
				return ch, err
			}
			for _, it := range items {
				sent[it.EntryID] = it
				villages[it.Village] = true
			}
		}
		before := ch
		for _, v := range sortedKeys(villages) {
			want, ok := wanted[v]
			if !ok {
				if want, err = worklistOf(tx, v, day); err != nil {
					return ch, fmt.Errorf("worklist of %s: %w", v, err)
				}
				wanted[v] = want
			}
			for _, id := range sortedKeys(want) {
				e := want[id]
				if s, ok := sent[id]; ok && s.State == WorklistOpen && s.Digest == e.digest {
					continue
				}
				if ts == 0 {
					if ts, err = h.stamp(tx, 0); err != nil {
						return ch, err
					}
				}
				it := WorklistItem{Device: d.ID, EntryID: id, Kind: e.kind, Village: e.village, State: WorklistOpen, Digest: e.digest}
				if err := h.worklistOp(tx, d.ID, ts, it, e.fields); err != nil {
					return ch, err
				}
				sent[id] = it // a resident who moved village is now sent in the new one
				ch.Open++
			}
		}
		for _, id := range sortedKeys(sent) {
			s := sent[id]
			if s.State != WorklistOpen {
				continue
			}
			if _, still := wanted[s.Village][id]; still {
				continue
			}
			if ts == 0 {
				if ts, err = h.stamp(tx, 0); err != nil {
					return ch, err
				}
			}
			s.State, s.Digest = WorklistDone, ""
			if err := h.worklistOp(tx, d.ID, ts, s, nil); err != nil {
				return ch, err
			}
			ch.Done++
		}
		if ch != before {
			ch.Devices++
		}
	}
	return ch, nil
}

// worklistOp queues one ActionWorklist op for device and remembers it.
func (h *Hub) worklistOp(tx Tx, device string, ts hlc.Timestamp, it WorklistItem, fields record.Fields) error {
	seq, err := tx.NextSeq("hub_ops")
	if err != nil {
		return err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	op := syncproto.Op{OpID: id.String(), DeviceID: syncproto.HubSender, Seq: seq, HLC: ts, RecordID: it.EntryID,
		Kind: it.Kind, Action: syncproto.ActionWorklist, Fields: fields, Meta: map[string]string{"state": it.State}}
	if _, err := tx.PutOp(op, device); err != nil {
		return err
	}
	return tx.PutWorklistSent(it)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// worklistVillages are the villages whose worklists an approval of st may
// change: the record's own, and its resident's in the roster (by NIK for a
// KTP-el, by family card for a birth).
func worklistVillages(tx Tx, st *merge.State) ([]string, error) {
	v := st.Values()
	out := []string{}
	if c := v.VillageCode(); c != "" {
		out = append(out, c)
	}
	switch st.Kind {
	case record.KindEKTP:
		if v["nik"] != "" {
			r, err := tx.Resident(v["nik"])
			switch {
			case err == nil:
				out = append(out, r.Village)
			case !errors.Is(err, ErrNotFound):
				return nil, err
			}
		}
	case record.KindBirth:
		if v["kk_number"] != "" {
			rs, err := tx.ResidentsByKK(v["kk_number"])
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				out = append(out, r.Village)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// RefreshWorklists brings every laptop's worklist up to date with the
// calendar (a resident turning 17 joins the KTP-el list, a child turning
// 18 leaves the birth list) and anything else that changed: imports,
// enrolments and approvals refresh their own villages, this refreshes all.
func (h *Hub) RefreshWorklists(ctx context.Context) (WorklistChange, error) {
	var ch WorklistChange
	err := h.store.Update(ctx, func(tx Tx) error {
		var err error
		ch, err = h.refreshWorklists(tx, "", nil)
		return err
	})
	if err != nil {
		return WorklistChange{}, fmt.Errorf("refresh worklists: %w", err)
	}
	return ch, nil
}
