package hlc

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePhys is a settable physical clock for tests.
type fakePhys struct {
	mu sync.Mutex
	t  time.Time
}

func newFakePhys(t time.Time) *fakePhys { return &fakePhys{t: t} }

func (f *fakePhys) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakePhys) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = t
}

func (f *fakePhys) Add(d time.Duration) { f.Set(f.Now().Add(d)) }

var epoch = time.Date(2026, 3, 14, 9, 26, 53, 589_000_000, time.UTC)

func TestPacking(t *testing.T) {
	tests := []struct {
		name        string
		wall        int64
		logical     uint16
		wantWall    int64
		wantLogical uint16
	}{
		{"zero", 0, 0, 0, 0},
		{"typical", epoch.UnixMilli(), 7, epoch.UnixMilli(), 7},
		{"max counter", epoch.UnixMilli(), 65535, epoch.UnixMilli(), 65535},
		{"max wall", MaxWallMs, 65535, MaxWallMs, 65535},
		{"negative wall clamps to 0", -5, 3, 0, 3},
		{"huge wall clamps to max", 1 << 60, 3, MaxWallMs, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := New(tt.wall, tt.logical)
			if ts.WallMs() != tt.wantWall || ts.Logical() != tt.wantLogical {
				t.Fatalf("New(%d, %d) = (%d, %d), want (%d, %d)",
					tt.wall, tt.logical, ts.WallMs(), ts.Logical(), tt.wantWall, tt.wantLogical)
			}
			if int64(ts) < 0 {
				t.Fatalf("New(%d, %d) = %d does not fit int64", tt.wall, tt.logical, uint64(ts))
			}
		})
	}
	if !New(0, 0).IsZero() || New(0, 1).IsZero() || New(1, 0).IsZero() {
		t.Error("IsZero wrong")
	}
	if got := New(epoch.UnixMilli(), 9).Time(); !got.Equal(epoch) || got.Location() != time.UTC {
		t.Errorf("Time() = %v, want %v UTC", got, epoch)
	}
	if uint64(Max) >= 1<<63 {
		t.Errorf("Max = %d is not below 2^63", uint64(Max))
	}
	// Packing order is (wall, logical) order.
	if !(New(5, 65535) < New(6, 0) && New(6, 0) < New(6, 1)) {
		t.Error("integer order is not HLC order")
	}
}

func TestNowStrictlyIncreasingFrozenPhys(t *testing.T) {
	const n = 100_000
	phys := newFakePhys(epoch)
	c := NewClock(phys.Now, 0)
	prev := c.Last()
	for i := range n {
		ts := c.Now()
		if ts <= prev {
			t.Fatalf("call %d: %v not after %v", i, ts, prev)
		}
		if ts != c.Last() {
			t.Fatalf("call %d: Last() = %v, want %v", i, c.Last(), ts)
		}
		prev = ts
	}
	// 65536 stamps fit in the frozen millisecond; the rest spill into the
	// next one, so the wall part drifts by exactly 1 ms.
	want := New(epoch.UnixMilli()+1, n-65536-1)
	if prev != want {
		t.Fatalf("after %d calls: %v, want %v", n, prev, want)
	}
}

// step is one event in a scripted run: move the physical clock, then stamp.
type step struct {
	advance time.Duration // added to the physical clock before the event
	remote  Timestamp     // nonzero: Observe(remote) instead of Now()
}

func TestNeverBackwards(t *testing.T) {
	day := 24 * time.Hour
	ms := time.Millisecond
	tests := []struct {
		name  string
		steps []step
		// wantWallAfter is the expected wall part of the last stamp, as an
		// offset from epoch.
		wantWallAfter time.Duration
	}{
		{
			name: "phys jumps back a day mid-run",
			steps: []step{
				{advance: 0}, {advance: ms}, {advance: ms},
				{advance: -day}, {advance: ms}, {advance: time.Hour},
			},
			wantWallAfter: 2 * ms, // held at the high-water mark
		},
		{
			name: "phys days ahead, then corrected",
			steps: []step{
				{advance: 0}, {advance: 3 * day}, {advance: ms},
				{advance: -3 * day}, {advance: ms}, {advance: day},
			},
			wantWallAfter: 3*day + ms, // dragged forward until real time catches up
		},
		{
			name: "phys ahead, corrected, real time catches up",
			steps: []step{
				{advance: 0}, {advance: 2 * day}, {advance: -2 * day},
				{advance: day}, {advance: day + 5*ms},
			},
			wantWallAfter: 2*day + 5*ms, // physical time leads again
		},
		{
			name: "phys back to 1970 (dead RTC battery)",
			steps: []step{
				{advance: 0}, {advance: -time.Duration(epoch.UnixNano())}, {advance: ms},
			},
			wantWallAfter: 0,
		},
		{
			name: "phys before 1970",
			steps: []step{
				{advance: 0}, {advance: -time.Duration(epoch.UnixNano()) - day},
			},
			wantWallAfter: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			phys := newFakePhys(epoch)
			c := NewClock(phys.Now, 0)
			var prev Timestamp
			for i, s := range tt.steps {
				phys.Add(s.advance)
				ts := c.Now()
				if ts <= prev {
					t.Fatalf("step %d (phys %v): %v not after %v", i, phys.Now(), ts, prev)
				}
				prev = ts
			}
			if got, want := prev.WallMs(), epoch.Add(tt.wantWallAfter).UnixMilli(); got != want {
				t.Fatalf("final wall = %d (%v), want %d", got, prev.Time(), want)
			}
		})
	}
}

func TestRestart(t *testing.T) {
	tests := []struct {
		name      string
		physShift time.Duration // physical clock of the restarted device relative to A's
	}{
		{"clock set back 24h", -24 * time.Hour},
		{"clock set back 1ms", -time.Millisecond},
		{"same clock, same millisecond", 0},
		{"clock ahead", time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			physA := newFakePhys(epoch)
			a := NewClock(physA.Now, 0)
			var lastA Timestamp
			for range 5 {
				lastA = a.Now()
			}
			persisted := a.Last()
			if persisted != lastA {
				t.Fatalf("Last() = %v, want last stamp %v", persisted, lastA)
			}

			// Round-trip through the SQLite representation.
			stored := int64(persisted)
			physB := newFakePhys(epoch.Add(tt.physShift))
			b := NewClock(physB.Now, Timestamp(stored))
			if b.Last() != persisted {
				t.Fatalf("B.Last() = %v before any event, want %v", b.Last(), persisted)
			}
			for i := range 3 {
				ts := b.Now()
				if ts <= persisted {
					t.Fatalf("B.Now() #%d = %v, not after persisted %v", i, ts, persisted)
				}
				persisted = ts
			}
		})
	}
}

func TestObserve(t *testing.T) {
	day := 24 * time.Hour
	now := epoch.UnixMilli()
	tests := []struct {
		name   string
		last   Timestamp
		phys   time.Time
		remote Timestamp
		want   Timestamp
	}{
		{"remote far ahead", New(now, 3), epoch, New(epoch.Add(5*day).UnixMilli(), 9), New(epoch.Add(5*day).UnixMilli(), 10)},
		{"remote far behind", New(now, 3), epoch, New(epoch.Add(-5*day).UnixMilli(), 9), New(now, 4)},
		{"remote behind, phys ahead of both", New(now-10, 3), epoch, New(now-20, 9), New(now, 0)},
		{"same wall, remote counter higher", New(now, 3), epoch, New(now, 9), New(now, 10)},
		{"same wall, local counter higher", New(now, 9), epoch, New(now, 3), New(now, 10)},
		{"identical stamps", New(now, 9), epoch, New(now, 9), New(now, 10)},
		{"remote ahead of phys, local behind", New(now-100, 0), epoch, New(now+50, 2), New(now+50, 3)},
		{"zero remote is like Now", New(now, 3), epoch, 0, New(now, 4)},
		{"remote counter overflows", New(now, 1), epoch, New(now+7, 65535), New(now+8, 0)},
		{"fresh clock, remote ahead", 0, epoch, New(now+1000, 0), New(now+1000, 1)},
		{"remote beyond Max is clamped", New(now, 0), epoch, ^Timestamp(0), Max},
		{"remote at Max saturates", New(now, 0), epoch, Max, Max},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClock(newFakePhys(tt.phys).Now, tt.last)
			got := c.Observe(tt.remote)
			if got != tt.want {
				t.Fatalf("Observe(%v) from last %v, phys %d = %v, want %v",
					tt.remote, tt.last, tt.phys.UnixMilli(), got, tt.want)
			}
			if got != c.Last() {
				t.Fatalf("Last() = %v, want %v", c.Last(), got)
			}
			if got < Max && (got <= tt.last || got <= tt.remote) {
				t.Fatalf("Observe(%v) = %v is not after both last %v and remote", tt.remote, got, tt.last)
			}
		})
	}
}

func TestObserveThenNowKeepsOrder(t *testing.T) {
	// Causality: a device that observes a stamp from a device days ahead
	// stamps its next local edit after it, even with its own clock behind.
	phys := newFakePhys(epoch)
	c := NewClock(phys.Now, 0)
	c.Now()
	remote := New(epoch.Add(72*time.Hour).UnixMilli(), 0)
	obs := c.Observe(remote)
	phys.Add(time.Second)
	next := c.Now()
	if !(remote < obs && obs < next) {
		t.Fatalf("want remote %v < observe %v < next %v", remote, obs, next)
	}
}

func TestCounterOverflow(t *testing.T) {
	w := epoch.UnixMilli()
	tests := []struct {
		name string
		last Timestamp
		phys int64
		want Timestamp
	}{
		{"frozen phys bumps wall", New(w, 65535), w, New(w+1, 0)},
		{"phys behind bumps wall", New(w, 65535), w - 1000, New(w+1, 0)},
		{"phys 1ms ahead resets anyway", New(w, 65535), w + 1, New(w+1, 0)},
		{"phys well ahead wins", New(w, 65535), w + 5, New(w+5, 0)},
		{"below overflow just counts", New(w, 65534), w, New(w, 65535)},
		{"saturated at Max stays there", Max, w, Max},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClock(newFakePhys(time.UnixMilli(tt.phys)).Now, tt.last)
			if got := c.Now(); got != tt.want {
				t.Fatalf("Now() from %v = %v, want %v", tt.last, got, tt.want)
			}
		})
	}
}

func TestNewClockDefaults(t *testing.T) {
	c := NewClock(nil, 0)
	before := time.Now().UnixMilli()
	ts := c.Now()
	after := time.Now().UnixMilli()
	if ts.WallMs() < before || ts.WallMs() > after {
		t.Fatalf("NewClock(nil) stamped wall %d, want within [%d, %d]", ts.WallMs(), before, after)
	}
	if got := NewClock(nil, ^Timestamp(0)).Last(); got != Max {
		t.Fatalf("NewClock with last beyond Max: Last() = %v, want Max", got)
	}
}

func TestConcurrentNowUnique(t *testing.T) {
	const goroutines, each = 8, 5000
	phys := newFakePhys(epoch)
	c := NewClock(phys.Now, 0)
	out := make([][]Timestamp, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				if i%1000 == 0 {
					phys.Add(-time.Hour) // misbehaving clock under contention
				}
				out[g] = append(out[g], c.Now())
			}
		})
	}
	wg.Wait()
	var all []Timestamp
	for _, s := range out {
		if !slices.IsSorted(s) {
			t.Fatal("a goroutine saw stamps out of order")
		}
		all = append(all, s...)
	}
	slices.Sort(all)
	if len(slices.Compact(all)) != goroutines*each {
		t.Fatal("duplicate stamps across goroutines")
	}
}

func TestStringParse(t *testing.T) {
	tests := []struct {
		ts   Timestamp
		want string
	}{
		{0, "0000000000000.00000"},
		{New(1, 1), "0000000000001.00001"},
		{New(epoch.UnixMilli(), 42), "1773480413589.00042"},
		{New(epoch.UnixMilli(), 65535), "1773480413589.65535"},
		{Max, "9999999999999.65535"},
	}
	for _, tt := range tests {
		if got := tt.ts.String(); got != tt.want {
			t.Errorf("String(%d) = %q, want %q", uint64(tt.ts), got, tt.want)
		}
		got, err := Parse(tt.want)
		if err != nil || got != tt.ts {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.want, got, err, tt.ts)
		}
	}
}

// TestStringOrderProperty checks over random stamps that String round trips,
// has a fixed width, and that text order equals numeric order.
func TestStringOrderProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 3))
	random := func() Timestamp {
		switch rng.IntN(4) {
		case 0: // anywhere in range
			return Timestamp(rng.Uint64N(uint64(Max) + 1))
		case 1: // realistic: around now, small counters
			return New(epoch.UnixMilli()+rng.Int64N(1e9)-5e8, uint16(rng.IntN(4)))
		case 2: // same wall, different counters
			return New(epoch.UnixMilli(), uint16(rng.Uint32()))
		default: // near the edges
			return Timestamp(rng.Uint64N(1 << 20))
		}
	}
	for range 100_000 {
		a, b := random(), random()
		sa, sb := a.String(), b.String()
		if len(sa) != textLen || len(sb) != textLen {
			t.Fatalf("not fixed width: %q, %q", sa, sb)
		}
		pa, err := Parse(sa)
		if err != nil || pa != a {
			t.Fatalf("Parse(%q) = %v, %v; want %v", sa, pa, err, a)
		}
		if got, want := strings.Compare(sa, sb), compareTS(a, b); got != want {
			t.Fatalf("text order %d != numeric order %d for %q vs %q", got, want, sa, sb)
		}
	}
}

func compareTS(a, b Timestamp) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"short wall", "177348041358.00042"},
		{"long wall", "01773480413589.00042"},
		{"short logical", "1773480413589.0042"},
		{"long logical", "1773480413589.000042"},
		{"no dot", "1773480413589000042"},
		{"comma", "1773480413589,00042"},
		{"logical overflow", "1773480413589.65536"},
		{"logical 99999", "1773480413589.99999"},
		{"sign", "-773480413589.00042"},
		{"plus in logical", "1773480413589.+0042"},
		{"space", " 773480413589.00042"},
		{"trailing newline", "1773480413589.0004\n"},
		{"hex", "177348041358a.00042"},
		{"unicode digit", "177348041358٩.00042"},
		{"bare integer", "116226147637936170"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if !errors.Is(err, ErrBadTimestamp) {
				t.Fatalf("Parse(%q) = %v, %v; want ErrBadTimestamp", tt.in, got, err)
			}
			if !strings.Contains(err.Error(), "bad HLC timestamp") {
				t.Fatalf("error %q lacks the sentinel text", err)
			}
			var ts Timestamp
			if err := ts.UnmarshalText([]byte(tt.in)); !errors.Is(err, ErrBadTimestamp) {
				t.Fatalf("UnmarshalText(%q) error = %v, want ErrBadTimestamp", tt.in, err)
			}
		})
	}
}

func TestTextMarshaling(t *testing.T) {
	type op struct {
		HLC Timestamp `json:"hlc"`
	}
	in := op{New(epoch.UnixMilli(), 3)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"hlc":"1773480413589.00003"}`; string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var out op
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Fatalf("round trip = %+v, %v; want %+v", out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"hlc":"yesterday"}`), &out); !errors.Is(err, ErrBadTimestamp) {
		t.Fatalf("bad json error = %v, want ErrBadTimestamp", err)
	}
	if _, err := (Max + 1).MarshalText(); !errors.Is(err, ErrBadTimestamp) {
		t.Fatalf("MarshalText(Max+1) error = %v, want ErrBadTimestamp", err)
	}
}

func TestSkew(t *testing.T) {
	tests := []struct {
		name string
		ts   Timestamp
		phys time.Time
		want time.Duration
	}{
		{"in sync", New(epoch.UnixMilli(), 5), epoch, 0},
		{"two days ahead", New(epoch.Add(48*time.Hour).UnixMilli(), 0), epoch, 48 * time.Hour},
		{"behind", New(epoch.Add(-90*time.Minute).UnixMilli(), 0), epoch, -90 * time.Minute},
		{"sub-millisecond phys", New(epoch.UnixMilli(), 0), epoch.Add(400 * time.Microsecond), -400 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Skew(tt.ts, tt.phys); got != tt.want {
				t.Fatalf("Skew = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	early, late := New(epoch.UnixMilli(), 1), New(epoch.UnixMilli(), 2)
	tests := []struct {
		name        string
		a           Timestamp
		aDev        string
		b           Timestamp
		bDev        string
		want        int
		wantSwapped int
	}{
		{"later stamp wins regardless of device", early, "zz", late, "aa", -1, 1},
		{"wall beats counter", New(2, 0), "a", New(1, 65535), "b", 1, -1},
		{"tie broken by device", late, "laptop-07", late, "laptop-12", -1, 1},
		{"device bytewise, upper before lower", late, "Z", late, "a", -1, 1},
		{"device prefix sorts first", late, "dev", late, "dev1", -1, 1},
		{"identical", late, "dev", late, "dev", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Compare(tt.a, tt.aDev, tt.b, tt.bDev); got != tt.want {
				t.Errorf("Compare(a, b) = %d, want %d", got, tt.want)
			}
			if got := Compare(tt.b, tt.bDev, tt.a, tt.aDev); got != tt.wantSwapped {
				t.Errorf("Compare(b, a) = %d, want %d", got, tt.wantSwapped)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"0000000000000.00000", "1773480413589.00042", "9999999999999.65535",
		"1773480413589.65536", "", "x", "1773480413589.0004\n", "-773480413589.00042",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrBadTimestamp) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrBadTimestamp", s, err)
			}
			return
		}
		if got := ts.String(); got != s {
			t.Fatalf("Parse(%q).String() = %q", s, got)
		}
		if ts > Max || int64(ts) < 0 {
			t.Fatalf("Parse(%q) = %d out of range", s, uint64(ts))
		}
	})
}

func BenchmarkNow(b *testing.B) {
	c := NewClock(nil, 0)
	for b.Loop() {
		c.Now()
	}
}

func BenchmarkNowParallel(b *testing.B) {
	c := NewClock(nil, 0)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Now()
		}
	})
}
