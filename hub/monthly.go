package hub

import (
	"context"
	"time"

	"github.com/jemputbola/jemput/internal/record"
)

// MonthCounts is one month's captured records by kind.
type MonthCounts struct {
	Month  time.Time // the first day, UTC
	ByKind map[record.Kind]int64
	Total  int64
}

// Monthly is the records under region captured from `from` to `to` (dates,
// inclusive), month by month, every month of the period present.
func (h *Hub) Monthly(ctx context.Context, region string, from, to time.Time) ([]MonthCounts, error) {
	rs, err := h.reportStore()
	if err != nil {
		return nil, err
	}
	from, to = day(from), day(to)
	daily, err := rs.Daily(ctx, CoverageQuery{Under: region, From: from, To: to.AddDate(0, 0, 1)})
	if err != nil {
		return nil, err
	}
	var out []MonthCounts
	index := map[time.Time]int{}
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		index[m] = len(out)
		out = append(out, MonthCounts{Month: m, ByKind: map[record.Kind]int64{}})
	}
	for d, kinds := range daily {
		t := time.UnixMilli(d * 86400000).UTC()
		i, ok := index[time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)]
		if !ok {
			continue
		}
		for k, n := range kinds {
			out[i].ByKind[k] += n
			out[i].Total += n
		}
	}
	return out, nil
}
