package hlc_test

import (
	"fmt"
	"time"

	"github.com/jemputbola/jemput/internal/hlc"
)

func ExampleNewClock() {
	// The agent stamped ops up to 09:00 on the 14th and persisted the mark.
	day14 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	persisted := hlc.New(day14.UnixMilli(), 4)

	// After a restart (new RTC battery, clock set right) it reads a day
	// earlier: the marks from the 14th came from a clock running ahead.
	c := hlc.NewClock(func() time.Time { return day14.Add(-24 * time.Hour) }, persisted)
	next := c.Now()
	fmt.Println(persisted)
	fmt.Println(next, next > persisted)
	fmt.Println(next.Time())

	// The stamp still sorts after everything written before; the hub, whose
	// clock is right, reports the op as a day ahead.
	fmt.Println(hlc.Skew(next, day14.Add(-24*time.Hour)))
	// Output:
	// 1773478800000.00004
	// 1773478800000.00005 true
	// 2026-03-14 09:00:00 +0000 UTC
	// 24h0m0s
}
