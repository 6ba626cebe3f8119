package record

import "fmt"

// Kind is the kind of registration.
type Kind string

const (
	KindEKTP  Kind = "ektp"
	KindBirth Kind = "birth"
	KindDeath Kind = "death"
)

// Lang is a user-interface language. Bahasa Indonesia is the default.
type Lang string

const (
	ID Lang = "id"
	EN Lang = "en"
)

// ParseLang accepts "id", "en" and common spellings; anything else is ID.
func ParseLang(s string) Lang {
	switch s {
	case "en", "EN", "en-US", "en-GB", "english":
		return EN
	}
	return ID
}

// Text is a phrase in both languages.
type Text struct{ ID, EN string }

// In returns the phrase in lang.
func (t Text) In(lang Lang) string {
	if lang == EN {
		return t.EN
	}
	return t.ID
}

// Status is where a record is in its life. It follows a state machine
// (CanTransition), never last-writer-wins.
type Status string

const (
	StatusDraft           Status = "draft"
	StatusSubmitted       Status = "submitted"
	StatusReceived        Status = "received"
	StatusApproved        Status = "approved"
	StatusRejected        Status = "rejected"
	StatusNeedsCorrection Status = "needs_correction"
	StatusWithdrawn       Status = "withdrawn"
)

// Statuses lists every status in life order.
var Statuses = []Status{StatusDraft, StatusSubmitted, StatusReceived, StatusApproved, StatusRejected, StatusNeedsCorrection, StatusWithdrawn}

var transitions = map[Status][]Status{
	StatusDraft:           {StatusSubmitted, StatusWithdrawn},
	StatusSubmitted:       {StatusReceived, StatusWithdrawn},
	StatusReceived:        {StatusApproved, StatusRejected, StatusNeedsCorrection, StatusWithdrawn},
	StatusNeedsCorrection: {StatusSubmitted, StatusWithdrawn},
}

// CanTransition reports whether a record may move from one status to another.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// OfficerEditable reports whether the officer may change fields in this
// status. A submitted record may still be fixed before the hub has it, but
// only into another valid record (the caller re-validates).
func OfficerEditable(s Status) bool {
	return s == StatusDraft || s == StatusSubmitted || s == StatusNeedsCorrection
}

// ParseStatus checks s against the known statuses.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown status %q (one of: draft, submitted, received, approved, rejected, needs_correction, withdrawn)", s)
}

var statusLabels = map[Status]Text{
	StatusDraft:           {"draf", "draft"},
	StatusSubmitted:       {"diajukan", "submitted"},
	StatusReceived:        {"diterima hub", "received"},
	StatusApproved:        {"disetujui", "approved"},
	StatusRejected:        {"ditolak", "rejected"},
	StatusNeedsCorrection: {"perlu perbaikan", "needs correction"},
	StatusWithdrawn:       {"ditarik", "withdrawn"},
}

// Label is the status in words for officers.
func (s Status) Label(lang Lang) string {
	if t, ok := statusLabels[s]; ok {
		return t.In(lang)
	}
	return string(s)
}
