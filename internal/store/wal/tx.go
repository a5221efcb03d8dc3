package wal

import (
	"fmt"

	"github.com/stagecraft/stagecraft/internal/store"
)

// tx is a store.Tx over a state. A View's tx reads a published, immutable
// state; an Update's tx owns a private clone and records what it changed
// (ops), which is what the log gets. gen counts writes so that Scan knows
// when its callback changed the tree under it.
type tx struct {
	st       *state
	writable bool
	done     bool
	dirty    bool
	gen      uint64
	ops      []op
	minRev   uint64 // Import: the revision the commit must reach at least
}

var _ store.Tx = (*tx)(nil)

func (t *tx) check(table string, write bool) error {
	switch {
	case t.done:
		return ErrTxDone
	case table == "" || table[0] == 0:
		return fmt.Errorf("%w: %q", ErrBadTable, table)
	case write && !t.writable:
		return ErrReadOnly
	}
	return nil
}

// do applies o to the transaction's state and logs it.
func (t *tx) do(o op) int {
	n := t.st.apply(o)
	t.ops = append(t.ops, o)
	t.dirty = true
	t.gen++
	return n
}

// Get returns the stored value itself (no copy). Stored values are copies
// made by Put and never change, so the caller cannot observe a mutation;
// by the store.Tx contract it must not keep or change the slice anyway.
func (t *tx) Get(table, key string) ([]byte, error) {
	if err := t.check(table, false); err != nil {
		return nil, err
	}
	it, ok := t.st.data.Get(item{table: table, key: key})
	if !ok {
		return nil, store.ErrNotFound
	}
	return it.val, nil
}

// Put stores a copy of value.
func (t *tx) Put(table, key string, value []byte) error {
	if err := t.check(table, true); err != nil {
		return err
	}
	t.do(op{kind: opPut, table: table, key: key, val: append([]byte{}, value...)})
	return nil
}

// Delete removes key; only an existing key makes the transaction dirty.
func (t *tx) Delete(table, key string) error {
	if err := t.check(table, true); err != nil {
		return err
	}
	if t.st.data.Has(item{table: table, key: key}) {
		t.do(op{kind: opDelete, table: table, key: key})
	}
	return nil
}

// Scan walks the keys under prefix in order. In an Update it walks a lazy
// clone of the tree taken when Scan began, so the callback may write to
// the live tree; once it has, each key is looked up in the live tree before
// being visited (a key deleted meanwhile is skipped, a changed value is
// seen changed).
func (t *tx) Scan(table, prefix string, fn func(key string, value []byte) bool) error {
	if err := t.check(table, false); err != nil {
		return err
	}
	if !t.writable {
		scanTree(t.st.data, table, prefix, func(it item) bool { return fn(it.key, it.val) })
		return nil
	}
	gen := t.gen
	frozen := t.st.data.Clone()
	scanTree(frozen, table, prefix, func(it item) bool {
		if t.gen != gen {
			live, ok := t.st.data.Get(it)
			if !ok {
				return true
			}
			it = live
		}
		return fn(it.key, it.val)
	})
	return nil
}

// DeletePrefix removes every key under prefix and reports how many.
func (t *tx) DeletePrefix(table, prefix string) (int, error) {
	if err := t.check(table, true); err != nil {
		return 0, err
	}
	found := false
	scanTree(t.st.data, table, prefix, func(item) bool { found = true; return false })
	if !found {
		return 0, nil
	}
	return t.do(op{kind: opDelPrefix, table: table, key: prefix}), nil
}

// NextSequence increments the counter (table, name).
func (t *tx) NextSequence(table, name string) (uint64, error) {
	if err := t.check(table, true); err != nil {
		return 0, err
	}
	cur, _ := t.st.seqs.Get(seqItem{table: table, name: name})
	n := cur.n + 1
	t.do(op{kind: opSeq, table: table, key: name, n: n})
	return n, nil
}

// SetSequence sets the counter (table, name) to n (Import).
func (t *tx) SetSequence(table, name string, n uint64) error {
	if err := t.check(table, true); err != nil {
		return err
	}
	t.do(op{kind: opSeq, table: table, key: name, n: n})
	return nil
}
