package hub

import (
	"github.com/jemputbola/jemput/internal/roster"
)

// Resident is one resident of the hub's roster (internal/roster reads the
// population database's extract).
type Resident struct {
	roster.Resident
	// EntryID names the resident's worklist entries on the laptops
	// (WorklistID). It is random, made at the first import and kept by
	// every later one: an entry id says nothing about the person.
	EntryID string
}
