// What every prototype does per request besides the engine, so the
// prototypes compare like with like: the header work of an API Gateway
// HTTP_PROXY (ids, X-Forwarded-*, x-amzn-* headers, response header
// remapping).
package main

import (
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"time"
)

// IDs without a syscall: ChaCha8 per caller (seeded from the runtime).
type IDs struct{ r *rand.ChaCha8 }

func NewIDs() *IDs {
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(rand.Uint32())
	}
	return &IDs{r: rand.NewChaCha8(seed)}
}

func (g *IDs) UUID() string {
	var b [16]byte
	g.r.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:16])
	return string(out[:])
}

func (g *IDs) Base64ID() string {
	var b [11]byte
	g.r.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

func (g *IDs) TraceID(now time.Time) string {
	var b [12]byte
	g.r.Read(b[:])
	return "Root=1-" + strconv.FormatInt(now.Unix(), 16) + "-" + hex.EncodeToString(b[:])
}

// Response header handling (canonical names).
var Remapped = map[string]string{
	"Authorization": "Authorization", "Connection": "Connection", "Content-Length": "Content-Length", "Content-Md5": "Content-MD5",
	"Date": "Date", "Max-Forwards": "Max-Forwards", "Server": "Server", "User-Agent": "User-Agent",
	"Www-Authenticate": "WWW-Authenticate", "X-Amzn-Requestid": "x-amzn-RequestId",
}
var Dropped = map[string]bool{
	"Expect": true, "Host": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Connection": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}
var DroppedRequest = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Expect": true, "Proxy-Authorization": true,
}

// Append forms of the ids, for engines that build headers in reused
// buffers (epoll.go): the same random draws and encodings, no allocation.

func (g *IDs) AppendUUID(dst []byte) []byte {
	var b [16]byte
	g.r.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	dst = hex.AppendEncode(dst, b[0:4])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, b[4:6])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, b[6:8])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, b[8:10])
	dst = append(dst, '-')
	return hex.AppendEncode(dst, b[10:16])
}

func (g *IDs) AppendBase64ID(dst []byte) []byte {
	var b [11]byte
	g.r.Read(b[:])
	return base64.StdEncoding.AppendEncode(dst, b[:])
}

func (g *IDs) AppendTraceID(dst []byte, now time.Time) []byte {
	var b [12]byte
	g.r.Read(b[:])
	dst = append(dst, "Root=1-"...)
	dst = strconv.AppendInt(dst, now.Unix(), 16)
	dst = append(dst, '-')
	return hex.AppendEncode(dst, b[:])
}
