package bolt_test

import (
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/store/bolt"
	"github.com/stagecraft/stagecraft/internal/store/storetest"
)

// The bodies are storetest's (bench.go), shared with store/wal.

func benchStore(b *testing.B, opts ...bolt.Option) *bolt.Store {
	b.Helper()
	s, err := bolt.Open(b.TempDir()+"/bench.db", opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// BenchmarkUpdateSerial is one writer: the latency of an acknowledged
// write. With Batch a lone writer waits out the batch delay every time.
func BenchmarkUpdateSerial(b *testing.B) {
	for _, c := range []struct {
		name string
		opts []bolt.Option
	}{
		{"update", nil},
		{"batch-1ms", []bolt.Option{bolt.WithGroupCommit(time.Millisecond, 0)}},
	} {
		b.Run(c.name, func(b *testing.B) { storetest.BenchUpdateSerial(b, benchStore(b, c.opts...)) })
	}
}

// BenchmarkUpdateParallel runs 8 concurrent writers with plain Update (the
// committer queue) and with bbolt's Batch at several batch delays.
func BenchmarkUpdateParallel(b *testing.B) {
	const writers = 8
	for _, c := range []struct {
		name string
		opts []bolt.Option
	}{
		{"update", nil},
		{"batch-10ms", []bolt.Option{bolt.WithGroupCommit(10*time.Millisecond, 0)}},
		{"batch-1ms", []bolt.Option{bolt.WithGroupCommit(time.Millisecond, 0)}},
		{"batch-100us", []bolt.Option{bolt.WithGroupCommit(100*time.Microsecond, 0)}},
		{"batch-size8", []bolt.Option{bolt.WithGroupCommit(10*time.Millisecond, writers)}},
	} {
		b.Run(c.name, func(b *testing.B) { storetest.BenchUpdateParallel(b, benchStore(b, c.opts...), writers) })
	}
}

func BenchmarkGet(b *testing.B) { storetest.BenchGet(b, benchStore(b)) }

// BenchmarkScan100 lists the 100 children of one parent among 10,000 keys.
func BenchmarkScan100(b *testing.B) { storetest.BenchScan100(b, benchStore(b)) }
