package hub

import (
	"github.com/jemputbola/jemput/internal/record"
)

// Worklist entry states, as sent in an ActionWorklist op's Meta["state"].
const (
	WorklistOpen = "open" // the officer should see this resident
	WorklistDone = "done" // off the list: registered, or no longer due
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
