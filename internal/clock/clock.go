// Package clock is the time source every time-dependent part of Stagecraft
// is given: rollouts, bake times, token expiry, quotas. Production uses the
// wall clock (optionally sped up); tests use Fake and move it by hand, so no
// test sleeps to wait for logic.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Wall is the real clock.
type Wall struct{}

func (Wall) Now() time.Time { return time.Now() }

// Scaled runs Rate times faster than the wall clock from the moment it is
// created (--clock-rate 60 makes a minute pass in a second).
type Scaled struct {
	start time.Time
	rate  float64
}

// NewScaled returns a clock running rate times as fast as the wall clock.
func NewScaled(rate float64) *Scaled { return &Scaled{start: time.Now(), rate: rate} }

func (s *Scaled) Now() time.Time {
	el := time.Since(s.start)
	return s.start.Add(time.Duration(float64(el) * s.rate))
}

// Fake is a clock that only moves when told to.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a Fake set to t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Set moves the clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}
