package wal_test

import (
	"testing"

	"github.com/stagecraft/stagecraft/internal/store/storetest"
	"github.com/stagecraft/stagecraft/internal/store/wal"
)

// The same benchmarks as store/bolt's (bodies in storetest/bench.go). The
// write benchmarks run with both ways of syncing: the io_uring (the default
// where available) and fdatasync.

var syncers = []struct {
	name string
	opts []wal.Option
}{{"uring", nil}, {"fdatasync", []wal.Option{wal.WithoutIOURing()}}}

func BenchmarkUpdateSerial(b *testing.B) {
	for _, sy := range syncers {
		b.Run(sy.name, func(b *testing.B) {
			s, _ := openTemp(b, sy.opts...)
			storetest.BenchUpdateSerial(b, s)
		})
	}
}

// BenchmarkUpdateParallel: 8 concurrent writers share records and fdatasyncs.
func BenchmarkUpdateParallel(b *testing.B) {
	for _, sy := range syncers {
		b.Run(sy.name, func(b *testing.B) {
			s, _ := openTemp(b, sy.opts...)
			storetest.BenchUpdateParallel(b, s, 8)
		})
	}
}

func BenchmarkGet(b *testing.B) {
	s, _ := openTemp(b)
	storetest.BenchGet(b, s)
}

func BenchmarkScan100(b *testing.B) {
	s, _ := openTemp(b)
	storetest.BenchScan100(b, s)
}
