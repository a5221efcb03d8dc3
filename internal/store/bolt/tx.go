package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/stagecraft/stagecraft/internal/store"
)

// tx adapts a bbolt transaction to store.Tx. It records whether anything was
// written (dirty), so Update grows the revision only for real changes, and
// counts writes (gen), so Scan can reposition its cursor after its callback
// changed the bucket under it.
type tx struct {
	btx      *bbolt.Tx
	writable bool
	done     bool
	dirty    bool
	gen      uint64
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

func (t *tx) wrote() {
	t.dirty = true
	t.gen++
}

// Get returns the value under key. The slice points into bbolt's memory and
// is valid only until the transaction ends; copy it to keep it.
func (t *tx) Get(table, key string) ([]byte, error) {
	if err := t.check(table, false); err != nil {
		return nil, err
	}
	b := t.btx.Bucket([]byte(table))
	if b == nil {
		return nil, store.ErrNotFound
	}
	k, v := b.Cursor().Seek([]byte(key))
	if k == nil || string(k) != key {
		return nil, store.ErrNotFound
	}
	if v == nil {
		v = []byte{} // an empty value is not "missing"
	}
	return v, nil
}

// Put stores a copy of value (bbolt itself would keep the caller's slice
// until commit).
func (t *tx) Put(table, key string, value []byte) error {
	if err := t.check(table, true); err != nil {
		return err
	}
	b, err := t.btx.CreateBucketIfNotExists([]byte(table))
	if err != nil {
		return err
	}
	if err := b.Put([]byte(key), append([]byte{}, value...)); err != nil {
		return fmt.Errorf("store/bolt: put %s %q: %w", table, key, err)
	}
	t.wrote()
	return nil
}

// Delete removes key; only an existing key makes the transaction dirty.
func (t *tx) Delete(table, key string) error {
	if err := t.check(table, true); err != nil {
		return err
	}
	b := t.btx.Bucket([]byte(table))
	if b == nil {
		return nil
	}
	k, _ := b.Cursor().Seek([]byte(key))
	if k == nil || string(k) != key {
		return nil
	}
	if err := b.Delete([]byte(key)); err != nil {
		return err
	}
	t.wrote()
	return nil
}

// Scan walks the keys under prefix in byte order. If fn writes, the cursor
// is repositioned after the key just visited, because bbolt cursors are not
// valid across changes to their bucket.
func (t *tx) Scan(table, prefix string, fn func(key string, value []byte) bool) error {
	if err := t.check(table, false); err != nil {
		return err
	}
	b := t.btx.Bucket([]byte(table))
	if b == nil {
		return nil
	}
	p := []byte(prefix)
	c := b.Cursor()
	k, v := c.Seek(p)
	for k != nil && bytes.HasPrefix(k, p) {
		if v == nil {
			v = []byte{}
		}
		key := string(k)
		gen := t.gen
		if !fn(key, v) {
			return nil
		}
		if t.gen == gen {
			k, v = c.Next()
			continue
		}
		k, v = c.Seek([]byte(key))
		if k != nil && string(k) == key {
			k, v = c.Next()
		}
	}
	return nil
}

// DeletePrefix removes every key under prefix and reports how many.
func (t *tx) DeletePrefix(table, prefix string) (int, error) {
	if err := t.check(table, true); err != nil {
		return 0, err
	}
	b := t.btx.Bucket([]byte(table))
	if b == nil {
		return 0, nil
	}
	p := []byte(prefix)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	if len(keys) > 0 {
		t.wrote()
	}
	return len(keys), nil
}

// NextSequence increments the counter for (table, name), kept in the
// internal sequence bucket under len(table) | table | name so that no two
// pairs share a key.
func (t *tx) NextSequence(table, name string) (uint64, error) {
	if err := t.check(table, true); err != nil {
		return 0, err
	}
	b := t.btx.Bucket(seqBucket)
	if b == nil {
		return 0, fmt.Errorf("store/bolt: internal sequence bucket missing")
	}
	key := binary.AppendUvarint(nil, uint64(len(table)))
	key = append(append(key, table...), name...)
	n, err := getU64(b.Get(key))
	if err != nil {
		return 0, err
	}
	n++
	if err := b.Put(key, u64(n)); err != nil {
		return 0, err
	}
	t.wrote()
	return n, nil
}
