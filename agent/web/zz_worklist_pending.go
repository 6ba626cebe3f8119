package web

// The worklist reads, until agent/store keeps the worklist the hub sends
// (in progress): an empty list.

import (
	"context"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/record"
)

type worklistEntry struct {
	ID      string
	Kind    record.Kind
	Village string
	Fields  record.Fields
}

func wlList(ctx context.Context, st *store.Store, village string) ([]worklistEntry, error) {
	return nil, nil
}
func wlEntry(ctx context.Context, st *store.Store, id string) (worklistEntry, error) {
	return worklistEntry{}, store.ErrNotFound
}
func wlCounts(ctx context.Context, st *store.Store) (map[string]map[record.Kind]int, error) {
	return nil, nil
}
