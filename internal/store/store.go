// Package store is Stagecraft's durable state: an ordered key/value space
// split into tables, changed only inside transactions.
//
// Every service keeps its resources here as JSON documents. Keys are built
// with Key (account/region scoped), so one table holds every tenant and a
// prefix scan lists one tenant's or one parent's children in key order.
//
// Implementations:
//   - store/wal: embedded, durable (the commit's log record is fdatasynced
//     before Update returns), state in memory, the default.
//   - store/bolt: embedded, durable (fsync before Update returns), one bbolt
//     file; selected with --store bolt.
//   - store/postgres: several nodes sharing one database (a later issue).
//
// The data plane never calls the store per request: it compiles what it serves
// from the store and watches Revision/Watch to learn that something changed,
// also when the change was made by another node.
package store

import (
	"context"
	"errors"
	"github.com/stagecraft/stagecraft/internal/wire"
	"strings"
)

// ErrNotFound is returned by Tx.Get when the key does not exist.
var ErrNotFound = errors.New("store: not found")

// Store is the durable state of a Stagecraft node or cluster.
type Store interface {
	// Update runs fn in a serializable read-write transaction. When fn
	// returns nil the changes are committed and on stable storage before
	// Update returns; when fn returns an error nothing is written and that
	// error is returned unchanged. fn may be called more than once
	// (implementations may retry on conflicts), so it must not have side
	// effects outside tx.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only, consistent snapshot.
	View(ctx context.Context, fn func(tx Tx) error) error
	// Revision is a counter that grows with every committed Update that
	// wrote something. It survives restarts.
	Revision(ctx context.Context) (uint64, error)
	// Watch delivers the newest revision after changes are committed (by
	// this node or, for shared stores, by any node). Deliveries coalesce: a
	// slow reader sees only the latest value. The channel is closed when ctx
	// ends or the store is closed. Nothing is sent for commits that happened
	// before the call, so call Watch before reading the state you derive
	// from the store, or a change in between can go unnoticed.
	Watch(ctx context.Context) <-chan uint64
	// Reset deletes every table and every NextSequence counter
	// (POST /_stagecraft/reset). It counts as a write: Revision grows and
	// watchers are told.
	Reset(ctx context.Context) error
	// Name says which implementation this is ("wal", "bolt", "postgres").
	Name() string
	Close() error
}

// Tx is one transaction. It must not be used after the function it was
// given to returns.
type Tx interface {
	// Get returns the value stored under key, or ErrNotFound. The returned
	// slice is only valid during the transaction.
	Get(table, key string) ([]byte, error)
	// Put stores value under key, replacing any earlier value. The store
	// keeps its own copy of value; the caller may reuse the slice.
	Put(table, key string, value []byte) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(table, key string) error
	// Scan calls fn for every key that starts with prefix, in ascending
	// byte order of keys, until fn returns false. Values are only valid
	// during the call. In an Update fn may write, also to the table being
	// scanned: every key that existed when Scan began and was not deleted
	// before being reached is visited exactly once; whether keys added
	// during the scan are visited is unspecified.
	Scan(table, prefix string, fn func(key string, value []byte) bool) error
	// DeletePrefix removes every key that starts with prefix and returns
	// how many were removed.
	DeletePrefix(table, prefix string) (int, error)
	// NextSequence returns the next value (1, 2, 3, …) of a durable counter
	// named by (table, name). Rolled back with the transaction.
	NextSequence(table, name string) (uint64, error)
}

// Key joins parts with "/". Parts must not contain "/" themselves unless
// they are the last part; by convention the first two are account and
// region: Key(account, region, apiID, childID).
func Key(parts ...string) string { return strings.Join(parts, "/") }

// Prefix is Key with a trailing "/", for scanning the children of a key.
func Prefix(parts ...string) string { return strings.Join(parts, "/") + "/" }

// GetJSON reads key and decodes it into a new T.
func GetJSON[T any](tx Tx, table, key string) (*T, error) {
	b, err := tx.Get(table, key)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := wire.Unmarshal(b, v); err != nil { // the generated decoder when T has one
		return nil, err
	}
	return v, nil
}

// PutJSON encodes v and stores it under key.
func PutJSON(tx Tx, table, key string, v any) error {
	b, err := wire.Marshal(v) // the generated encoder when v has one; same bytes as encoding/json
	if err != nil {
		return err
	}
	return tx.Put(table, key, b)
}

// ScanJSON decodes every value under prefix, in key order.
func ScanJSON[T any](tx Tx, table, prefix string) ([]*T, error) {
	var out []*T
	var decErr error
	err := tx.Scan(table, prefix, func(_ string, b []byte) bool {
		v := new(T)
		if decErr = wire.Unmarshal(b, v); decErr != nil {
			return false
		}
		out = append(out, v)
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, decErr
}
