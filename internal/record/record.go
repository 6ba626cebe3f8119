package record

import "time"

// Record is one registration as the officer and the hub see it.
type Record struct {
	ID           string // UUIDv7 made on the device
	Kind         Kind
	Status       Status
	TrackingCode string // read aloud to the resident; see internal/tracking
	Fields       Fields
	Flags        []string // "conflict", "duplicate"
	Decision     *Decision
	Officer      string
	DeviceID     string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// VillageCode is where the record was captured.
func (r *Record) VillageCode() string { return r.Fields.VillageCode() }

// Decision is the hub's last word on a record.
type Decision struct {
	Outcome            Status    `json:"outcome"` // approved, rejected, needs_correction
	Reason             string    `json:"reason,omitempty"`
	Fields             []string  `json:"fields,omitempty"` // fields to correct
	RegistrationNumber string    `json:"registration_number,omitempty"`
	DecidedAt          time.Time `json:"decided_at"`
	By                 string    `json:"by,omitempty"`
}
