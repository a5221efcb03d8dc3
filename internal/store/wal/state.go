package wal

import (
	"strings"

	"github.com/google/btree"
)

// item is one stored value. Items are ordered by table, then key, both in
// byte order, so a table's keys under a prefix are one contiguous range.
type item struct {
	table, key string
	val        []byte // never mutated once stored; never nil
}

func itemLess(a, b item) bool {
	if a.table != b.table {
		return a.table < b.table
	}
	return a.key < b.key
}

// seqItem is one NextSequence counter.
type seqItem struct {
	table, name string
	n           uint64
}

func seqLess(a, b seqItem) bool {
	if a.table != b.table {
		return a.table < b.table
	}
	return a.name < b.name
}

// btreeDegree is the trees' branching factor (nodes hold up to 2*degree-1
// items). Small nodes keep the copy-on-write path copies cheap: after a
// Clone, each write copies every node from the root to its leaf.
const btreeDegree = 8

// state is the whole content of the store at one revision. A published
// state is immutable: the commit leader clones it (lazily, copy-on-write) and
// changes the clone.
type state struct {
	data *btree.BTreeG[item]
	seqs *btree.BTreeG[seqItem]
	rev  uint64
}

func newState() *state {
	return &state{data: btree.NewG(btreeDegree, itemLess), seqs: btree.NewG(btreeDegree, seqLess)}
}

// clone returns a copy that may be changed while st is read concurrently.
// It must not be called concurrently with itself on the same state.
func (st *state) clone() *state {
	return &state{data: st.data.Clone(), seqs: st.seqs.Clone(), rev: st.rev}
}

// scan calls fn for the items of table whose key starts with prefix, in
// order, until fn returns false.
func scanTree(t *btree.BTreeG[item], table, prefix string, fn func(it item) bool) {
	t.AscendGreaterOrEqual(item{table: table, key: prefix}, func(it item) bool {
		if it.table != table || !strings.HasPrefix(it.key, prefix) {
			return false
		}
		return fn(it)
	})
}

// Operations of a transaction, as logged and replayed.
const (
	opPut       byte = 1 // table, key, value
	opDelete    byte = 2 // table, key
	opDelPrefix byte = 3 // table, prefix
	opSeq       byte = 4 // table, name, value: counter set to value
	opReset     byte = 5 // everything deleted
)

type op struct {
	kind       byte
	table, key string // key is the prefix of opDelPrefix, the name of opSeq
	val        []byte
	n          uint64
}

// apply performs o on st (whose trees the caller owns) and reports how many
// items it removed (for DeletePrefix).
func (st *state) apply(o op) int {
	switch o.kind {
	case opPut:
		st.data.ReplaceOrInsert(item{table: o.table, key: o.key, val: o.val})
	case opDelete:
		if _, ok := st.data.Delete(item{table: o.table, key: o.key}); ok {
			return 1
		}
	case opDelPrefix:
		var keys []string
		scanTree(st.data, o.table, o.key, func(it item) bool { keys = append(keys, it.key); return true })
		for _, k := range keys {
			st.data.Delete(item{table: o.table, key: k})
		}
		return len(keys)
	case opSeq:
		st.seqs.ReplaceOrInsert(seqItem{table: o.table, name: o.key, n: o.n})
	case opReset:
		st.data = btree.NewG(btreeDegree, itemLess)
		st.seqs = btree.NewG(btreeDegree, seqLess)
	}
	return 0
}
