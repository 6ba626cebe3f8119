// Package hlc is the hybrid logical clock that stamps every local write.
//
// Why not wall time: field laptops record registrations offline for days,
// and their clocks are often days off (dead RTC batteries reset them, or an
// officer sets them by hand). Ops from many devices are merged at the hub as
// per-field last-writer-wins, so the order must respect causality: an edit
// made after seeing another edit must sort after it, whatever the laptop's
// clock says. Why not a pure logical clock: the stamps should still read as
// roughly when something happened, and the hub compares them with its own
// time to report each device's skew.
//
// A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014)
// gives both. A stamp is the larger of the last stamp and the physical
// clock, plus a counter that orders events within one millisecond; it never
// goes backwards, even when the physical clock does, and a stamp produced
// after observing a remote stamp is greater than that remote stamp.
//
// The price: a device whose clock is far in the future drags every clock
// that observes its stamps forward with it, and they stay there until real
// time catches up (their counters tick meanwhile, so order is kept). That is
// the guarantee working as intended: the HLC never goes backwards. Nothing
// here rejects such stamps; the hub reports skew (see Skew) so a supervisor
// can see the device and fix its clock.
//
// A Timestamp packs the wall time in Unix milliseconds into the high 48 bits
// and the counter into the low 16, so integer order is HLC order, a stamp is
// one SQLite INTEGER and comparisons in SQL need no second column. The wall
// part is limited to MaxWallMs (13 decimal digits, late 2286), which keeps
// every stamp below 2^63 (safe as int64) and its text form fixed width.
//
// The agent persists Clock.Last in the same transaction as each op and
// passes it back to NewClock on start, so a restart with a clock set back a
// day still stamps after everything already written.
package hlc

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

const (
	logicalBits = 16
	logicalMask = 1<<logicalBits - 1

	// MaxWallMs is the largest wall part a Timestamp can hold: the largest
	// 13-digit number of milliseconds, 2286-11-20T17:46:39.999Z. It keeps
	// String fixed width and every stamp below 2^63.
	MaxWallMs int64 = 9_999_999_999_999

	// Max is the largest valid Timestamp. A Clock that reaches it stays
	// there (see Clock).
	Max = Timestamp(uint64(MaxWallMs)<<logicalBits | logicalMask)
)

// ErrBadTimestamp is wrapped by every Parse and UnmarshalText error.
var ErrBadTimestamp = errors.New("bad HLC timestamp")

// Timestamp is a hybrid logical clock reading: wall time in Unix
// milliseconds in the high 48 bits, logical counter in the low 16 bits.
// Integer order is HLC order. The zero Timestamp is before every stamp a
// Clock produces.
type Timestamp uint64

// New packs a wall time in Unix milliseconds and a logical counter. A wall
// time outside [0, MaxWallMs] is clamped to that range.
func New(wallMs int64, logical uint16) Timestamp {
	return Timestamp(uint64(clampWall(wallMs))<<logicalBits | uint64(logical))
}

func clampWall(ms int64) int64 {
	return min(max(ms, 0), MaxWallMs)
}

// WallMs is the physical part in Unix milliseconds.
func (t Timestamp) WallMs() int64 { return int64(t >> logicalBits) }

// Logical is the counter that orders stamps within one millisecond.
func (t Timestamp) Logical() uint16 { return uint16(t & logicalMask) }

// Time is the wall part as a UTC time.
func (t Timestamp) Time() time.Time { return time.UnixMilli(t.WallMs()).UTC() }

// IsZero reports whether t is the zero Timestamp (no stamp yet).
func (t Timestamp) IsZero() bool { return t == 0 }

// String formats t as "WWWWWWWWWWWWW.LLLLL": the wall part in milliseconds
// as 13 digits, a dot, the counter as 5 digits. It is fixed width, so text
// order is numeric order, and Parse reverses it. A value above Max (only
// possible by converting an arbitrary integer) prints wider and does not
// parse.
func (t Timestamp) String() string {
	return fmt.Sprintf("%013d.%05d", t.WallMs(), t.Logical())
}

const textLen = 13 + 1 + 5

// Parse is the inverse of String. It is strict: exactly 13 digits, a dot and
// 5 digits, with the counter at most 65535. Errors wrap ErrBadTimestamp.
func Parse(s string) (Timestamp, error) {
	if len(s) != textLen {
		return 0, fmt.Errorf("%q: %d characters, want %d (WWWWWWWWWWWWW.LLLLL): %w",
			s, len(s), textLen, ErrBadTimestamp)
	}
	if s[13] != '.' {
		return 0, fmt.Errorf("%q: character 14 is %q, want '.': %w", s, s[13], ErrBadTimestamp)
	}
	wall, err := digits(s[:13])
	if err != nil {
		return 0, fmt.Errorf("%q: wall part: %w: %w", s, err, ErrBadTimestamp)
	}
	logical, err := digits(s[14:])
	if err != nil {
		return 0, fmt.Errorf("%q: logical part: %w: %w", s, err, ErrBadTimestamp)
	}
	if logical > logicalMask {
		return 0, fmt.Errorf("%q: logical part %d exceeds %d: %w", s, logical, logicalMask, ErrBadTimestamp)
	}
	return New(int64(wall), uint16(logical)), nil
}

// digits decodes at most 13 ASCII digits; it cannot overflow uint64.
func digits(s string) (uint64, error) {
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a digit", c)
		}
		n = n*10 + uint64(c-'0')
	}
	return n, nil
}

// MarshalText encodes t as String does. It fails for a value above Max,
// whose text would not be fixed width.
func (t Timestamp) MarshalText() ([]byte, error) {
	if t > Max {
		return nil, fmt.Errorf("%d: wall part %d exceeds %d: %w", uint64(t), t.WallMs(), MaxWallMs, ErrBadTimestamp)
	}
	return []byte(t.String()), nil
}

// UnmarshalText decodes the form String produces, as Parse does.
func (t *Timestamp) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Clock issues Timestamps for one device. It is safe for concurrent use.
//
// Every stamp it returns is greater than every stamp it returned before,
// greater than the high-water mark it was created with, and (for Observe)
// greater than the remote stamp. The single exception is saturation: once
// the clock reaches Max (only by observing a corrupt remote stamp at or
// above it, or by running until 2286) it returns Max from then on rather
// than wrap around or panic on data that came over the network. Callers
// that take stamps from other devices can screen them with Skew first.
type Clock struct {
	mu   sync.Mutex
	phys func() time.Time
	last Timestamp
}

// NewClock returns a clock that reads physical time from phys (time.Now if
// nil) and continues from last, the persisted high-water mark (zero for a
// new device). A last above Max is treated as Max.
func NewClock(phys func() time.Time, last Timestamp) *Clock {
	if phys == nil {
		phys = time.Now
	}
	return &Clock{phys: phys, last: min(last, Max)}
}

// Now stamps a local or send event: the wall part becomes the larger of the
// last wall part and physical time; the counter resets to 0 when the wall
// part advances and otherwise increments. A counter that would pass 65535
// advances the wall part by 1 ms instead, so order is kept and the drift
// from physical time stays bounded by the event rate.
func (c *Clock) Now() Timestamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.advance(0)
}

// Observe stamps a receive event carrying remote: the wall part becomes the
// largest of the last wall part, remote's and physical time, with the
// counter chosen as in Kulkarni et al. The result is greater than both the
// previous stamp and remote. A remote above Max is treated as Max.
func (c *Clock) Observe(remote Timestamp) Timestamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.advance(min(remote, Max))
}

// advance is the HLC update rule. With the packed layout the textbook cases
// collapse: when physical time is ahead of both stamps' wall parts the
// result is (pt, 0); otherwise it is the larger stamp plus one, and the
// carry out of the 16-bit counter is exactly "advance the wall part by 1 ms
// and reset the counter". For a local event remote is 0.
func (c *Clock) advance(remote Timestamp) Timestamp {
	hi := max(c.last, remote)
	pt := clampWall(c.phys().UnixMilli())
	var next Timestamp
	switch {
	case pt > hi.WallMs():
		next = New(pt, 0)
	case hi >= Max:
		next = Max // saturated; see Clock
	default:
		next = hi + 1
	}
	c.last = next
	return next
}

// Last is the most recent stamp issued (or the high-water mark the clock was
// created with): the value to persist with each op.
func (c *Clock) Last() Timestamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// Skew is how far t's wall part is ahead of phys (negative when behind): how
// far ahead a device's clock was when it stamped t, if phys is the true time
// of stamping. The hub only knows when the op arrived, which is later, so
// Skew(t, arrival) understates the lead: a large positive value reliably
// means a clock that ran ahead (its own, or one it observed), while a
// negative value mostly means the op waited offline before syncing.
func Skew(t Timestamp, phys time.Time) time.Duration {
	return t.Time().Sub(phys)
}

// Compare is the total order used for last-writer-wins: by timestamp, then
// by device id compared bytewise. It returns -1, 0 or +1. Two different
// devices never compare equal, so the winner of a field is the same on
// every hub and device whatever order ops arrive in.
func Compare(a Timestamp, aDevice string, b Timestamp, bDevice string) int {
	if c := cmp.Compare(a, b); c != 0 {
		return c
	}
	return strings.Compare(aDevice, bDevice)
}
