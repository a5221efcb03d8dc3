package appconfigdata

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
	"time"
)

// Configuration tokens.
//
// A token is the whole state of its session, sealed: base64url (no
// padding) of
//
//	version (1 byte, 1)
//	tag (16 bytes): HMAC-SHA256 over the version and the plaintext, truncated
//	ciphertext: the plaintext encrypted with AES-256-CTR, the tag as IV
//
// where the plaintext is
//
//	session ID (16 bytes)
//	sequence (uvarint; 0 for the initial token)
//	issued at (varint, Unix milliseconds on the injected clock)
//	poll interval (uvarint, seconds)
//	last deployment received (uvarint; 0 = none) and its digest (8 bytes)
//	account, region, application, environment, profile IDs (uvarint length + bytes each)
//
// (the SIV construction: the MAC of the plaintext is the IV, so nothing
// else is needed to make IVs unique). The MAC and encryption keys are
// derived from a random 32-byte secret kept in the store (table
// appconfigdata.secret). A token therefore cannot be forged or altered
// (tamper-evident), reveals nothing (opaque), survives restarts of the
// node and works on any node sharing the store, and serving it needs no
// store read: the resolved IDs, the interval and what the session last
// received travel with it. About 140 characters, well under the model's
// 8192 and free of whitespace.
//
// Why the session lives in the token rather than in the store: a store
// write is an fsync, and GetLatestConfiguration is the hottest call of the
// product (every client polls it forever); with the state in the token a
// poll reads nothing from disk and writes nothing synchronously. The one
// thing a token cannot carry is whether it was already used; that is the
// replay guard in sessions.go (memory, persisted behind the requests).

const tokenVersion = 1

// tokenMACLen is the length of the truncated HMAC.
const tokenMACLen = 16

type token struct {
	session  [16]byte
	seq      uint64
	issued   time.Time // millisecond precision
	interval int32     // seconds
	lastDep  int32
	lastDig  uint64
	t        Target
}

var errCorrupted = errors.New("corrupted token")

// tokenKeys are the MAC and encryption keys derived from the secret.
type tokenKeys struct {
	secret []byte
	enc    cipher.Block
	// macs pools HMAC states: hmac.New hashes the key pads every time,
	// Reset on a used one restores them from a saved state.
	macs sync.Pool
}

func newTokenKeys(secret []byte) *tokenKeys {
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("appconfigdata token encryption v1"))
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	macKey := derive("appconfigdata token mac v1")
	k := &tokenKeys{secret: secret, enc: block}
	k.macs.New = func() any { return hmac.New(sha256.New, macKey) }
	return k
}

func (k *tokenKeys) tag(sc *scratch, version byte, plain []byte) [tokenMACLen]byte {
	m := k.macs.Get().(hash.Hash)
	m.Reset()
	sc.ver[0] = version
	m.Write(sc.ver[:])
	m.Write(plain)
	var tag [tokenMACLen]byte
	copy(tag[:], m.Sum(sc.sum[:0]))
	k.macs.Put(m)
	return tag
}

// ctr XORs src into dst with the AES-CTR key stream that starts at iv
// (the 128-bit counter incremented big-endian per block), without the
// allocations of cipher.NewCTR.
func (k *tokenKeys) ctr(sc *scratch, dst, src []byte, iv [tokenMACLen]byte) {
	ks, ctr := sc.ks[:], sc.ctr[:]
	copy(ctr, iv[:])
	for len(src) > 0 {
		k.enc.Encrypt(ks, ctr)
		n := subtle.XORBytes(dst, src, ks)
		dst, src = dst[n:], src[n:]
		for i := len(ctr) - 1; i >= 0; i-- {
			ctr[i]++
			if ctr[i] != 0 {
				break
			}
		}
	}
}

// scratch holds the buffers of one encode or decode: they go through
// interface calls (hash, cipher) and would otherwise escape to the heap
// on every request.
type scratch struct {
	raw   [1024]byte
	plain [1024]byte
	out   [1 + tokenMACLen + 256]byte
	ks    [aes.BlockSize]byte
	ctr   [aes.BlockSize]byte
	sum   [sha256.Size]byte
	ver   [1]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// encode seals tok with keys.
func (tok *token) encode(k *tokenKeys) string {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	b := append(sc.plain[:0], tok.session[:]...)
	b = binary.AppendUvarint(b, tok.seq)
	b = binary.AppendVarint(b, tok.issued.UnixMilli())
	b = binary.AppendUvarint(b, uint64(tok.interval))
	b = binary.AppendUvarint(b, uint64(tok.lastDep))
	b = binary.BigEndian.AppendUint64(b, tok.lastDig)
	for _, s := range [...]string{tok.t.Account, tok.t.Region, tok.t.App, tok.t.Env, tok.t.Profile} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	tag := k.tag(sc, tokenVersion, b)
	out := sc.out[:]
	out[0] = tokenVersion
	copy(out[1:], tag[:])
	sealed := out[:1+tokenMACLen+len(b)]
	k.ctr(sc, sealed[1+tokenMACLen:], b, tag)
	return base64.RawURLEncoding.EncodeToString(sealed)
}

// decodeToken opens and verifies s; any failure is errCorrupted.
func decodeToken(s string, k *tokenKeys) (*token, error) {
	if k == nil || len(s) < 24 || len(s) > 1024 {
		return nil, errCorrupted
	}
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	m := copy(sc.raw[:], s)
	buf := sc.out[:]
	if base64.RawURLEncoding.DecodedLen(m) > len(buf) {
		return nil, errCorrupted
	}
	n, err := base64.RawURLEncoding.Decode(buf, sc.raw[:m])
	if err != nil || n < 1+tokenMACLen+17 || buf[0] != tokenVersion {
		return nil, errCorrupted
	}
	plain := sc.plain[:n-1-tokenMACLen]
	var iv [tokenMACLen]byte
	copy(iv[:], buf[1:])
	k.ctr(sc, plain, buf[1+tokenMACLen:n], iv)
	tag := k.tag(sc, buf[0], plain)
	if !hmac.Equal(tag[:], buf[1:1+tokenMACLen]) {
		return nil, errCorrupted
	}
	tok := &token{}
	copy(tok.session[:], plain[:16])
	r := plain[16:]
	ok := true
	next := func() uint64 {
		v, k := binary.Uvarint(r)
		if k <= 0 {
			ok = false
			return 0
		}
		r = r[k:]
		return v
	}
	tok.seq = next()
	ms, kk := binary.Varint(r)
	if !ok || kk <= 0 {
		return nil, errCorrupted
	}
	r = r[kk:]
	tok.issued = time.UnixMilli(ms).UTC()
	tok.interval = int32(next())
	tok.lastDep = int32(next())
	if !ok || len(r) < 8 {
		return nil, errCorrupted
	}
	tok.lastDig = binary.BigEndian.Uint64(r)
	r = r[8:]
	var parts [5]string
	for i := range parts {
		l := next()
		if !ok || l > uint64(len(r)) {
			return nil, errCorrupted
		}
		parts[i] = string(r[:l])
		r = r[l:]
	}
	if len(r) != 0 {
		return nil, errCorrupted
	}
	tok.t = Target{Account: parts[0], Region: parts[1], App: parts[2], Env: parts[3], Profile: parts[4]}
	return tok, nil
}

// newSessionID returns a random 128-bit session ID (tests may replace it
// to make bucket assignment reproducible).
var newSessionID = func() [16]byte {
	var id [16]byte
	rand.Read(id[:])
	return id
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
