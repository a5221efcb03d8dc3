// Package ids makes the identifiers AWS hands out: short lowercase
// alphanumerics for API Gateway resources, UUIDs for request ids, and the
// base64-like ids of execute-api responses. All from crypto/rand.
package ids

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
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

// UUID returns a random (version 4) UUID in lowercase.
func UUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Base64ID returns an id like execute-api's x-amz-apigw-id or a WebSocket
// connection id: 16 characters ending in "=".
func Base64ID() string {
	var b [11]byte
	rand.Read(b[:])
	s := base64.StdEncoding.EncodeToString(b[:]) // 16 chars with one '='
	return s
}
