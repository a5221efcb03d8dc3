package wal_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/wal"
)

// The same benchmarks as store/bolt's bench_test.go. Every Update is a real
// fdatasynced commit, so the write figures depend on the disk far more than
// on this package.

var benchValue = []byte(`{"id":"abc123","name":"petstore","description":"a typical small resource document","createdDate":1700000000}`)

func benchStore(b *testing.B) *wal.Store {
	b.Helper()
	s, _ := openTemp(b)
	return s
}

// BenchmarkUpdateSerial is one writer: the latency of an acknowledged write.
func BenchmarkUpdateSerial(b *testing.B) {
	s := benchStore(b)
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

// BenchmarkUpdateParallel runs 8 concurrent writers (rounded up to a
// multiple of GOMAXPROCS); they share records and fdatasyncs.
func BenchmarkUpdateParallel(b *testing.B) {
	const writers = 8
	s := benchStore(b)
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

func fill(b *testing.B, s *wal.Store, parents, children int) {
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
