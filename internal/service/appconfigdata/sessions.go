package appconfigdata

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/store"
)

// The replay guard: single-use tokens.
//
// Every token carries its session's sequence number; the guard remembers,
// per session, the lowest sequence still acceptable ("next"). A token with
// a lower sequence was already used (a newer one was issued in exchange)
// and is refused; a successful poll moves next past the token it consumed.
//
// The guard lives in memory, sharded by session ID, and is persisted
// behind the requests: a flusher goroutine writes the sessions that changed
// in one store transaction, at most once per flushEvery of wall time (and
// at once when a node shuts down, see Flush). A poll therefore costs no
// fsync. A session the node does not know (after a restart, or one started
// on another node sharing the store) is loaded from the store once; one the
// store does not know either is accepted as it is — the token's signature
// already proves the server issued it — and tracked from then on. The
// price of writing behind: after a crash (not a graceful shutdown), a token
// consumed in the last flushEvery before the crash can be used once more.
// Sessions are forgotten 24 hours after their newest token was issued,
// when every token of theirs has expired.

// flushEvery is the minimum wall time between two flushes.
const flushEvery = time.Second

// sweepEvery is how often (on the injected clock) expired sessions are
// removed from memory and from the store.
const sweepEvery = time.Hour

// tokenLifetime is how long a token stays valid.
const tokenLifetime = 24 * time.Hour

const nShards = 64

type guard struct {
	st  store.Store
	clk clock.Clock
	log *slog.Logger

	shards [nShards]shard
	wake   chan struct{}

	flushMu   sync.Mutex // one flush at a time
	lastSweep time.Time  // clock time of the last sweep (under flushMu)
}

type shard struct {
	mu    sync.Mutex
	m     map[[16]byte]*gentry
	dirty map[[16]byte]*gentry
}

type gentry struct {
	key     string // store key: account/region/hex(session ID)
	next    uint64 // lowest acceptable sequence
	expires int64  // Unix ms when the newest token expires
}

// sessionRecord is a session as persisted (appconfigdata.sessions).
type sessionRecord struct {
	Next    uint64 `json:"next"`
	Expires int64  `json:"expires"` // Unix milliseconds
}

func newGuard(st store.Store, clk clock.Clock, log *slog.Logger) *guard {
	g := &guard{st: st, clk: clk, log: log, wake: make(chan struct{}, 1)}
	for i := range g.shards {
		g.shards[i].m = map[[16]byte]*gentry{}
		g.shards[i].dirty = map[[16]byte]*gentry{}
	}
	return g
}

func (g *guard) shard(id [16]byte) *shard { return &g.shards[id[15]%nShards] }

func sessionKey(t Target, id [16]byte) string {
	return store.Key(t.Account, t.Region, hex.EncodeToString(id[:]))
}

// start registers a new session whose initial token expires at expires.
func (g *guard) start(t Target, id [16]byte, expires time.Time) {
	e := &gentry{key: sessionKey(t, id), next: 0, expires: expires.UnixMilli()}
	sh := g.shard(id)
	sh.mu.Lock()
	sh.m[id] = e
	sh.dirty[id] = e
	sh.mu.Unlock()
	g.poke()
}

// used reports whether tok's sequence was already consumed.
func (g *guard) used(ctx context.Context, tok *token) (bool, error) {
	sh := g.shard(tok.session)
	sh.mu.Lock()
	e := sh.m[tok.session]
	sh.mu.Unlock()
	if e == nil {
		var err error
		if e, err = g.load(ctx, tok); err != nil {
			return false, err
		}
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return tok.seq < e.next, nil
}

// load brings a session the node does not know into memory from the store
// (or, if the store does not know it either, as a fresh session).
func (g *guard) load(ctx context.Context, tok *token) (*gentry, error) {
	k := sessionKey(tok.t, tok.session)
	e := &gentry{key: k, expires: tok.issued.Add(tokenLifetime).UnixMilli()}
	err := g.st.View(ctx, func(tx store.Tx) error {
		b, err := tx.Get(tSessions, k)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var rec sessionRecord
		if json.Unmarshal(b, &rec) == nil {
			e.next, e.expires = rec.Next, max(rec.Expires, e.expires)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sh := g.shard(tok.session)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if cur := sh.m[tok.session]; cur != nil {
		return cur, nil
	}
	sh.m[tok.session] = e
	return e, nil
}

// consume marks tok used, if nobody else did meanwhile, and records when
// the session's newest token (issued in exchange) expires. It reports
// false when tok was consumed concurrently.
func (g *guard) consume(tok *token, expires time.Time) bool {
	sh := g.shard(tok.session)
	sh.mu.Lock()
	e := sh.m[tok.session]
	if e == nil || tok.seq < e.next {
		sh.mu.Unlock()
		return false
	}
	e.next = tok.seq + 1
	e.expires = expires.UnixMilli()
	sh.dirty[tok.session] = e
	sh.mu.Unlock()
	g.poke()
	return true
}

func (g *guard) poke() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// run flushes changed sessions until the store is closed.
func (g *guard) run() {
	runPaced(g.st, g.wake, flushEvery, g.flush, func(err error) {
		g.log.Warn("appconfigdata: persisting session state failed", "err", err)
	})
}

// runPaced calls flush after each signal on wake, at most once per every
// (signals meanwhile coalesce into the next call), until st is closed; a
// failure is reported unless the store closed under the flush (the node is
// stopping). The guard's session flusher and the Resolver's fetch-mark
// flusher both run on it.
func runPaced(st store.Store, wake <-chan struct{}, every time.Duration, flush func(context.Context) error, failed func(error)) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	closed := st.Watch(ctx)
	var last time.Time
	for {
		select {
		case <-wake:
		case _, ok := <-closed:
			if !ok {
				return
			}
			continue
		}
		if wait := every - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
		pause:
			for {
				select {
				case <-t.C:
					break pause
				case _, ok := <-closed:
					if !ok {
						t.Stop()
						return
					}
				}
			}
		}
		last = time.Now()
		if err := flush(ctx); err != nil {
			select {
			case _, ok := <-closed:
				if !ok {
					return
				}
			default:
			}
			failed(err)
		}
	}
}

// flush writes every changed session in one transaction, and now and then
// removes expired ones.
func (g *guard) flush(ctx context.Context) error {
	g.flushMu.Lock()
	defer g.flushMu.Unlock()
	type item struct {
		key string
		rec sessionRecord
	}
	var items []item
	for i := range g.shards {
		sh := &g.shards[i]
		sh.mu.Lock()
		for _, e := range sh.dirty {
			items = append(items, item{e.key, sessionRecord{Next: e.next, Expires: e.expires}})
		}
		clear(sh.dirty)
		sh.mu.Unlock()
	}
	now := g.clk.Now()
	sweep := now.Sub(g.lastSweep) >= sweepEvery || now.Before(g.lastSweep)
	if len(items) == 0 && !sweep {
		return nil
	}
	if sweep {
		g.sweepMemory(now.UnixMilli())
	}
	err := g.st.Update(ctx, func(tx store.Tx) error {
		for _, it := range items {
			if it.rec.Expires <= now.UnixMilli() {
				if err := tx.Delete(tSessions, it.key); err != nil {
					return err
				}
				continue
			}
			if err := store.PutJSON(tx, tSessions, it.key, it.rec); err != nil {
				return err
			}
		}
		if !sweep {
			return nil
		}
		var expired []string
		err := tx.Scan(tSessions, "", func(k string, b []byte) bool {
			var rec sessionRecord
			if json.Unmarshal(b, &rec) != nil || rec.Expires <= now.UnixMilli() {
				expired = append(expired, k)
			}
			return true
		})
		for _, k := range expired {
			if err := tx.Delete(tSessions, k); err != nil {
				return err
			}
		}
		return err
	})
	if err != nil {
		// Put the items back so the next flush retries them (entries
		// changed meanwhile are already dirty with newer values).
		g.requeueAll()
		return err
	}
	if sweep {
		g.lastSweep = now
	}
	return nil
}

// requeueAll marks every known session dirty again after a failed flush.
func (g *guard) requeueAll() {
	for i := range g.shards {
		sh := &g.shards[i]
		sh.mu.Lock()
		for id, e := range sh.m {
			sh.dirty[id] = e
		}
		sh.mu.Unlock()
	}
}

// sweepMemory forgets sessions whose tokens have all expired.
func (g *guard) sweepMemory(nowMs int64) {
	for i := range g.shards {
		sh := &g.shards[i]
		sh.mu.Lock()
		for id, e := range sh.m {
			if e.expires <= nowMs {
				delete(sh.m, id)
			}
		}
		sh.mu.Unlock()
	}
}
