package bolt_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/bolt"
)

// Every Update here is a real fsynced commit, so the figures depend on the
// disk far more than on this package.

var benchValue = []byte(`{"id":"abc123","name":"petstore","description":"a typical small resource document","createdDate":1700000000}`)

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
		b.Run(c.name, func(b *testing.B) {
			s := benchStore(b, c.opts...)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				i++
				k := "k/" + strconv.Itoa(i)
				if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("t", k, benchValue) }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUpdateParallel runs 8 concurrent writers (rounded up to a
// multiple of GOMAXPROCS) with plain Update and with bbolt's Batch at
// several batch delays.
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
		b.Run(c.name, func(b *testing.B) {
			s := benchStore(b, c.opts...)
			ctx := context.Background()
			var n atomic.Int64
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((writers + procs - 1) / procs)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := "k/" + strconv.FormatInt(n.Add(1), 10)
					if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("t", k, benchValue) }); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func fill(b *testing.B, s *bolt.Store, parents, children int) {
	b.Helper()
	err := s.Update(context.Background(), func(tx store.Tx) error {
		for p := range parents {
			for c := range children {
				if err := tx.Put("t", store.Key("acct", "us-east-1", fmt.Sprintf("p%04d", p), fmt.Sprintf("c%04d", c)), benchValue); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func BenchmarkGet(b *testing.B) {
	s := benchStore(b)
	fill(b, s, 100, 100)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		k := store.Key("acct", "us-east-1", fmt.Sprintf("p%04d", i%100), fmt.Sprintf("c%04d", i/100%100))
		err := s.View(ctx, func(tx store.Tx) error {
			_, err := tx.Get("t", k)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScan100 lists the 100 children of one parent among 10,000 keys.
func BenchmarkScan100(b *testing.B) {
	s := benchStore(b)
	fill(b, s, 100, 100)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		prefix := store.Prefix("acct", "us-east-1", fmt.Sprintf("p%04d", i%100))
		n := 0
		err := s.View(ctx, func(tx store.Tx) error {
			return tx.Scan("t", prefix, func(string, []byte) bool { n++; return true })
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != 100 {
			b.Fatalf("scanned %d, want 100", n)
		}
	}
}
