package appconfigdata

import (
	"crypto/sha256"
	"encoding/binary"
	"sync/atomic"
)

// SetSessionIDSeed makes session IDs a deterministic pseudo-random
// sequence (SHA-256 of seed and a counter) until the returned function is
// called, so tests that check rollout shares over many sessions are
// reproducible.
func SetSessionIDSeed(seed string) (restore func()) {
	prev := newSessionID
	var n atomic.Uint64
	newSessionID = func() [16]byte {
		var b []byte
		b = append(b, seed...)
		b = binary.BigEndian.AppendUint64(b, n.Add(1))
		sum := sha256.Sum256(b)
		var id [16]byte
		copy(id[:], sum[:])
		return id
	}
	return func() { newSessionID = prev }
}
