package storetest

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stagecraft/stagecraft/internal/store"
)

// The bodies of the benchmarks every Store implementation runs under the
// same names (BenchmarkUpdateSerial, BenchmarkUpdateParallel, BenchmarkGet,
// BenchmarkScan100), so their figures compare. Every Update is a real
// durable commit: the write figures depend on the disk far more than on
// the implementation.

var benchValue = []byte(`{"id":"abc123","name":"petstore","description":"a typical small resource document","createdDate":1700000000}`)

// BenchUpdateSerial is one writer: the latency of an acknowledged write.
func BenchUpdateSerial(b *testing.B, s store.Store) {
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		k := "k/" + strconv.Itoa(i)
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("t", k, benchValue) }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchUpdateParallel runs writers concurrent writers (rounded up to a
// multiple of GOMAXPROCS).
func BenchUpdateParallel(b *testing.B, s store.Store, writers int) {
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
}

func benchFill(b *testing.B, s store.Store, parents, children int) {
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

// BenchGet reads single keys among 10,000.
func BenchGet(b *testing.B, s store.Store) {
	benchFill(b, s, 100, 100)
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

// BenchScan100 lists the 100 children of one parent among 10,000 keys.
func BenchScan100(b *testing.B, s store.Store) {
	benchFill(b, s, 100, 100)
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
