// Package ids makes the identifiers AWS hands out: short lowercase
// alphanumerics for API Gateway resources, UUIDs for request ids, and the
// base64-like ids of execute-api responses.
//
// Lower and Mixed (resource ids, API key values) read crypto/rand. The
// per-request ids (UUID, Base64ID, Fill) come from the runtime's
// per-thread ChaCha8 generator (math/rand/v2's top-level functions),
// which the runtime seeds from the operating system's entropy: no
// getrandom system call, no lock and no allocation besides the string.
package ids

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	mrand "math/rand/v2"
)

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// Lower returns n random characters from [a-z0-9].
func Lower(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

const mixed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Mixed returns n random characters from [A-Za-z0-9] (API key values).
func Mixed(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = mixed[int(b[i])%len(mixed)]
	}
	return string(b)
}

// Fill fills b with random bytes from the runtime's ChaCha8 generator.
func Fill(b []byte) {
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, mrand.Uint64())
		b = b[8:]
	}
	if len(b) > 0 {
		v := mrand.Uint64()
		for i := range b {
			b[i] = byte(v)
			v >>= 8
		}
	}
}

const hexDigits = "0123456789abcdef"

// AppendHex appends the lowercase hex of src to dst.
func AppendHex(dst, src []byte) []byte {
	for _, c := range src {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0x0f])
	}
	return dst
}

// uuidBytes is 16 random bytes with the version 4 and variant bits set.
func uuidBytes() (b [16]byte) {
	binary.LittleEndian.PutUint64(b[0:8], mrand.Uint64())
	binary.LittleEndian.PutUint64(b[8:16], mrand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

// UUID returns a random (version 4) UUID in lowercase.
func UUID() string {
	b := uuidBytes()
	var out [36]byte
	o := out[:0]
	o = AppendHex(o, b[0:4])
	o = append(o, '-')
	o = AppendHex(o, b[4:6])
	o = append(o, '-')
	o = AppendHex(o, b[6:8])
	o = append(o, '-')
	o = AppendHex(o, b[8:10])
	o = append(o, '-')
	o = AppendHex(o, b[10:16])
	return string(o)
}

// AppendUUIDHex appends the 32 hex digits of a random version 4 UUID
// without dashes (the form X-Ray trace ids take theirs from).
func AppendUUIDHex(dst []byte) []byte {
	b := uuidBytes()
	return AppendHex(dst, b[:])
}

// Base64ID returns an id like execute-api's x-amz-apigw-id or a WebSocket
// connection id: 16 characters ending in "=".
func Base64ID() string {
	var b [11]byte
	Fill(b[:])
	var out [16]byte
	base64.StdEncoding.Encode(out[:], b[:]) // 16 chars with one '='
	return string(out[:])
}
