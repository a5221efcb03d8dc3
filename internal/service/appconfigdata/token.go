package appconfigdata

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// Configuration tokens.
//
// A token is the whole state of its session, signed: base64url (no
// padding) of
//
//	version (1 byte, 1)
//	session ID (16 bytes)
//	sequence (uvarint; 0 for the initial token)
//	issued at (varint, Unix milliseconds on the injected clock)
//	poll interval (uvarint, seconds)
//	last deployment received (uvarint; 0 = none) and its digest (8 bytes)
//	account, region, application, environment, profile IDs (uvarint length + bytes each)
//	HMAC-SHA256 of everything before, truncated to 16 bytes
//
// keyed with a random 32-byte secret kept in the store (table
// appconfigdata.secret), so a token cannot be forged or altered, it
// survives restarts of the node (and works on any node sharing the store),
// and serving it needs no store read: the resolved IDs, the interval and
// what the session last received travel with it. About 140 characters,
// well under the model's 8192 and free of whitespace.
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

// encode signs tok with secret.
func (tok *token) encode(secret []byte) string {
	var buf [256]byte
	b := append(buf[:0], tokenVersion)
	b = append(b, tok.session[:]...)
	b = binary.AppendUvarint(b, tok.seq)
	b = binary.AppendVarint(b, tok.issued.UnixMilli())
	b = binary.AppendUvarint(b, uint64(tok.interval))
	b = binary.AppendUvarint(b, uint64(tok.lastDep))
	b = binary.BigEndian.AppendUint64(b, tok.lastDig)
	for _, s := range [...]string{tok.t.Account, tok.t.Region, tok.t.App, tok.t.Env, tok.t.Profile} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	m := hmac.New(sha256.New, secret)
	m.Write(b)
	var sum [sha256.Size]byte
	b = append(b, m.Sum(sum[:0])[:tokenMACLen]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken verifies and decodes s; any failure is errCorrupted.
func decodeToken(s string, secret []byte) (*token, error) {
	if secret == nil || len(s) < 24 || len(s) > 1024 {
		return nil, errCorrupted
	}
	var buf [768]byte
	n, err := base64.RawURLEncoding.Decode(buf[:], []byte(s))
	if err != nil || n < 1+16+tokenMACLen {
		return nil, errCorrupted
	}
	b, mac := buf[:n-tokenMACLen], buf[n-tokenMACLen:n]
	m := hmac.New(sha256.New, secret)
	m.Write(b)
	var sum [sha256.Size]byte
	if !hmac.Equal(m.Sum(sum[:0])[:tokenMACLen], mac) {
		return nil, errCorrupted
	}
	if b[0] != tokenVersion {
		return nil, errCorrupted
	}
	tok := &token{}
	copy(tok.session[:], b[1:17])
	r := b[17:]
	var ok bool
	next := func() uint64 {
		v, k := binary.Uvarint(r)
		if k <= 0 {
			ok = false
			return 0
		}
		r = r[k:]
		return v
	}
	ok = true
	tok.seq = next()
	ms, k := binary.Varint(r)
	if k <= 0 {
		return nil, errCorrupted
	}
	r = r[k:]
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
