package appconfigdata

import (
	"crypto/aes"
	"crypto/cipher"
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
	mac    []byte
	enc    cipher.Block
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
	return &tokenKeys{secret: secret, mac: derive("appconfigdata token mac v1"), enc: block}
}

func (k *tokenKeys) tag(version byte, plain []byte) [tokenMACLen]byte {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte{version})
	m.Write(plain)
	var sum [sha256.Size]byte
	var tag [tokenMACLen]byte
	copy(tag[:], m.Sum(sum[:0]))
	return tag
}

// encode seals tok with keys.
func (tok *token) encode(k *tokenKeys) string {
	var buf [256]byte
	b := append(buf[:0], tok.session[:]...)
	b = binary.AppendUvarint(b, tok.seq)
	b = binary.AppendVarint(b, tok.issued.UnixMilli())
	b = binary.AppendUvarint(b, uint64(tok.interval))
	b = binary.AppendUvarint(b, uint64(tok.lastDep))
	b = binary.BigEndian.AppendUint64(b, tok.lastDig)
	for _, s := range [...]string{tok.t.Account, tok.t.Region, tok.t.App, tok.t.Env, tok.t.Profile} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	tag := k.tag(tokenVersion, b)
	var out [1 + tokenMACLen + 256]byte
	out[0] = tokenVersion
	copy(out[1:], tag[:])
	sealed := out[:1+tokenMACLen+len(b)]
	cipher.NewCTR(k.enc, tag[:]).XORKeyStream(sealed[1+tokenMACLen:], b)
	return base64.RawURLEncoding.EncodeToString(sealed)
}

// decodeToken opens and verifies s; any failure is errCorrupted.
func decodeToken(s string, k *tokenKeys) (*token, error) {
	if k == nil || len(s) < 24 || len(s) > 1024 {
		return nil, errCorrupted
	}
	var buf [768]byte
	n, err := base64.RawURLEncoding.Decode(buf[:], []byte(s))
	if err != nil || n < 1+tokenMACLen+17 || buf[0] != tokenVersion {
		return nil, errCorrupted
	}
	var plainBuf [768]byte
	plain := plainBuf[:n-1-tokenMACLen]
	cipher.NewCTR(k.enc, buf[1:1+tokenMACLen]).XORKeyStream(plain, buf[1+tokenMACLen:n])
	tag := k.tag(buf[0], plain)
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
