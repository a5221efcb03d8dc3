package authz

import (
	"container/list"
	"hash/maphash"
	"strings"
	"sync"
	"time"

	"github.com/stagecraft/stagecraft/internal/clock"
)

// Cache holds Lambda authorizer results the way API Gateway's authorizer
// cache does: per stage and authorizer, keyed by the identity source values
// (the token for TOKEN authorizers), for authorizerResultTtlInSeconds (0
// disables caching).
//
// What is cached is the authorizer's whole output, and the policy in it is
// evaluated again for every request served from the cache. That is AWS's
// documented behaviour and its well-known trap: a policy whose Resource
// names only the method that was first called denies the caller's other
// methods until the entry expires ("User is not authorized to access this
// resource" [D: knowledge-center article on Lambda authorizers with caching
// and proxy resources]), so authorizers that cache should return wildcard
// resources. HTTP API simple responses allow or deny every route that
// shares the cached identity values [D: http-api-lambda-authorizer
// "Caching authorizer responses"].
//
// Only valid results are cached; an authorizer that failed or answered
// "Unauthorized" is asked again next time [?].
//
// The cache is bounded: each of its shards evicts its least recently used
// entry when full. It is safe for concurrent use.
type Cache struct {
	clk      clock.Clock
	seed     maphash.Seed
	perShard int
	shards   [cacheShards]cacheShard
}

const cacheShards = 16

type cacheShard struct {
	mu  sync.Mutex
	m   map[string]*list.Element
	lru list.List // front = most recently used; values are *cacheEntry
}

type cacheEntry struct {
	key     string
	scope   string
	result  *Result
	expires time.Time
}

// DefaultCacheEntries bounds a cache built with NewCache(clk, 0).
const DefaultCacheEntries = 100000

// NewCache returns an empty cache holding at most maxEntries results
// (DefaultCacheEntries when maxEntries <= 0).
func NewCache(clk clock.Clock, maxEntries int) *Cache {
	if maxEntries <= 0 {
		maxEntries = DefaultCacheEntries
	}
	per := (maxEntries + cacheShards - 1) / cacheShards
	c := &Cache{clk: clk, seed: maphash.MakeSeed(), perShard: per}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*list.Element)
	}
	return c
}

// Scope names one authorizer of one stage: the unit API Gateway caches for
// and FlushStageAuthorizersCache / ResetAuthorizersCache clear (with
// StageScope).
func Scope(account, region, apiID, stage, authorizerID string) string {
	return StageScope(account, region, apiID, stage) + authorizerID + "\x00"
}

// StageScope is the prefix of every Scope of one stage.
func StageScope(account, region, apiID, stage string) string {
	return account + "\x00" + region + "\x00" + apiID + "\x00" + stage + "\x00"
}

func cacheKey(scope string, values []string) string {
	n := len(scope)
	for _, v := range values {
		n += len(v) + 1
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(scope)
	for _, v := range values {
		b.WriteString(v)
		b.WriteByte(0)
	}
	return b.String()
}

func (c *Cache) shard(key string) *cacheShard {
	return &c.shards[maphash.String(c.seed, key)%cacheShards]
}

// Get returns the live result cached for scope and identity values.
func (c *Cache) Get(scope string, values []string) (*Result, bool) {
	if c == nil {
		return nil, false
	}
	key := cacheKey(scope, values)
	s := c.shard(key)
	now := c.clk.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.m[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		s.lru.Remove(el)
		delete(s.m, key)
		return nil, false
	}
	s.lru.MoveToFront(el)
	return e.result, true
}

// Put caches r for ttl; ttl <= 0 caches nothing.
func (c *Cache) Put(scope string, values []string, r *Result, ttl time.Duration) {
	if c == nil || ttl <= 0 || r == nil {
		return
	}
	key := cacheKey(scope, values)
	s := c.shard(key)
	exp := c.clk.Now().Add(ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.m[key]; ok {
		e := el.Value.(*cacheEntry)
		e.result, e.expires = r, exp
		s.lru.MoveToFront(el)
		return
	}
	for s.lru.Len() >= c.perShard {
		old := s.lru.Back()
		s.lru.Remove(old)
		delete(s.m, old.Value.(*cacheEntry).key)
	}
	s.m[key] = s.lru.PushFront(&cacheEntry{key: key, scope: scope, result: r, expires: exp})
}

// Flush removes every entry whose scope starts with scopePrefix (a Scope
// for one authorizer, a StageScope for a whole stage, "" for everything)
// and returns how many it removed.
func (c *Cache) Flush(scopePrefix string) int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for el := s.lru.Front(); el != nil; {
			next := el.Next()
			if e := el.Value.(*cacheEntry); strings.HasPrefix(e.scope, scopePrefix) {
				s.lru.Remove(el)
				delete(s.m, e.key)
				n++
			}
			el = next
		}
		s.mu.Unlock()
	}
	return n
}

// Len is the number of entries held, expired ones included until they are
// looked up or evicted.
func (c *Cache) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += s.lru.Len()
		s.mu.Unlock()
	}
	return n
}
