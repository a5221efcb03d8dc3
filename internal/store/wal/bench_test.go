package wal_test

import (
	"testing"

	"github.com/stagecraft/stagecraft/internal/store/storetest"
)

// The same benchmarks as store/bolt's (bodies in storetest/bench.go).

func BenchmarkUpdateSerial(b *testing.B) {
	s, _ := openTemp(b)
	storetest.BenchUpdateSerial(b, s)
}

// BenchmarkUpdateParallel: 8 concurrent writers share records and fdatasyncs.
func BenchmarkUpdateParallel(b *testing.B) {
	s, _ := openTemp(b)
	storetest.BenchUpdateParallel(b, s, 8)
}

func BenchmarkGet(b *testing.B) {
	s, _ := openTemp(b)
	storetest.BenchGet(b, s)
}

func BenchmarkScan100(b *testing.B) {
	s, _ := openTemp(b)
	storetest.BenchScan100(b, s)
}
