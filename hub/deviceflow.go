package hub

import (
	"context"
	"sort"
	"time"

	"github.com/jemputbola/jemput/internal/record"
)

// DeviceFlowRow is one laptop's work in a region and period: what it
// captured by status, and when it last synced with what clock skew.
type DeviceFlowRow struct {
	Device   Device
	Flow     map[record.Status]int64
	Captured int64
}

// DeviceFlow is the per-officer, per-device flow of the records under
// region captured from `from` to `to` (dates, inclusive), busiest first.
// Devices that captured nothing there are left out.
func (h *Hub) DeviceFlow(ctx context.Context, region string, from, to time.Time) ([]DeviceFlowRow, error) {
	rs, err := h.reportStore()
	if err != nil {
		return nil, err
	}
	flow, err := rs.DeviceFlow(ctx, CoverageQuery{Under: region, From: day(from), To: day(to).AddDate(0, 0, 1)})
	if err != nil {
		return nil, err
	}
	devs, err := h.Devices(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]Device{}
	for _, d := range devs {
		byID[d.ID] = d
	}
	var out []DeviceFlowRow
	for id, f := range flow {
		row := DeviceFlowRow{Device: byID[id], Flow: f}
		if row.Device.ID == "" {
			row.Device.ID = id
		}
		for _, n := range f {
			row.Captured += n
		}
		out = append(out, row)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Captured != out[j].Captured {
			return out[i].Captured > out[j].Captured
		}
		return out[i].Device.ID < out[j].Device.ID
	})
	return out, nil
}
