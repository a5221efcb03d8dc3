package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultMaxSkew is how far X-Amz-Date may be from the server clock when
// Verifier.MaxSkew is zero; AWS allows 15 minutes either way.
const DefaultMaxSkew = 15 * time.Minute

// maxPresignExpires is the longest X-Amz-Expires AWS accepts: a week.
const maxPresignExpires = 7 * 24 * 60 * 60

// Verifier checks SigV4 signatures against known keys. Its zero value
// rejects every access key; it is safe for concurrent use, and cheap to
// copy (for instance to set Service per request).
type Verifier struct {
	// Lookup returns the secret access key of an access key ID. A nil
	// Lookup knows no keys.
	Lookup func(accessKeyID string) (secret string, ok bool)
	// Now is the server clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is how far X-Amz-Date may be from Now; 0 means
	// DefaultMaxSkew. Presigned URLs with X-Amz-Expires are valid from
	// X-Amz-Date-MaxSkew to X-Amz-Date+X-Amz-Expires instead.
	MaxSkew time.Duration
	// Region and Service, when set, are the only region and service the
	// credential scope may name. Empty accepts any (Stagecraft answers
	// for every region, and picks the service from the scope).
	Region  string
	Service string
}

// auth is what a request says about its signature, from the
// Authorization header or from the presigned query.
type auth struct {
	presigned     bool
	algorithm     string
	credential    string
	signedHeaders string
	signature     string
	date          string // X-Amz-Date (or the Date header, reformatted)
	expires       string // X-Amz-Expires, presigned only
	hasExpires    bool
	contentSHA256 string // X-Amz-Content-Sha256 from the query, presigned only
}

// Verify checks the signature of r, whose complete body is body (already
// read by the caller; nil for none). It returns nil or an *Error carrying
// the code, status and message AWS would answer with.
//
// The checks run in the order AWS's own front end applies them, so that a
// request with several faults gets the error AWS would give: the form of
// the Authorization header or presigned query (IncompleteSignature), the
// date format, the clock skew or presigned expiry, 'host' being signed,
// the algorithm, the credential's five elements, the scope's region,
// service, terminator and date, the access key, and last the signature.
func (v *Verifier) Verify(r *http.Request, body []byte) error {
	if e := v.verify(r, body); e != nil {
		return e
	}
	return nil
}

func (v *Verifier) verify(r *http.Request, body []byte) *Error {
	a, e := readAuth(r)
	if e != nil {
		return e
	}

	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}

	signedAt, err := time.Parse(amzTimeFormat, a.date)
	if err != nil || len(a.date) != len(amzTimeFormat) {
		return incomplete("Date must be in ISO-8601 'basic format'. Got '" + a.date + "'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	if a.presigned && a.hasExpires {
		secs, err := strconv.ParseInt(a.expires, 10, 64)
		switch {
		case err != nil:
			return incomplete("X-Amz-Expires should be a number")
		case secs < 0:
			return incomplete("X-Amz-Expires must be non-negative")
		case secs > maxPresignExpires:
			return incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800")
		}
		if window := time.Duration(secs) * time.Second; now.After(signedAt.Add(window)) {
			return expired(signedAt, now, window)
		}
	} else if signedAt.Before(now.Add(-skew)) {
		return expired(signedAt, now, skew)
	}
	if signedAt.After(now.Add(skew)) {
		return notYetCurrent(signedAt, now, skew)
	}

	if !signsHost(a.signedHeaders) {
		return invalid(MsgHostNotSigned)
	}
	if a.algorithm != Algorithm {
		// Sic: AWS ends this message with a space.
		return incomplete("Unsupported AWS 'algorithm': '" + a.algorithm + "' (only AWS4-HMAC-SHA256 for now). ")
	}
	cred, ok := splitScope(a.credential)
	if !ok {
		return incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + a.credential + "'")
	}
	// A wrong terminator or a scope date that is not the X-Amz-Date day
	// is a 403 InvalidSignatureException, not an IncompleteSignature:
	// AWS reports all scope faults together in one such message, e.g.
	// "Credential should be scoped to a valid region, not 'c'. Credential
	// should be scoped to correct service: 'dynamodb'. Credential should
	// be scoped with a valid terminator: 'aws4_request', not 'e'. Date in
	// Credential scope does not match YYYYMMDD from ISO-8601 version of
	// date from HTTP: 'b' != '20130609', from '20130609T095204Z'." (as
	// recorded from DynamoDB's and STS's front ends).
	var scopeErrs []string
	if v.Region != "" && cred.Region != v.Region {
		scopeErrs = append(scopeErrs, "Credential should be scoped to a valid region, not '"+cred.Region+"'.")
	}
	if v.Service != "" && cred.Service != v.Service {
		scopeErrs = append(scopeErrs, "Credential should be scoped to correct service: '"+v.Service+"'.")
	}
	term := strings.TrimSuffix(a.credential, "/")
	term = term[strings.LastIndexByte(term, '/')+1:]
	if term != Terminator {
		scopeErrs = append(scopeErrs, "Credential should be scoped with a valid terminator: 'aws4_request', not '"+term+"'.")
	}
	if day := a.date[:8]; cred.Date != day {
		scopeErrs = append(scopeErrs, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
			cred.Date+"' != '"+day+"', from '"+a.date+"'.")
	}
	if scopeErrs != nil {
		return invalid(strings.Join(scopeErrs, " "))
	}

	var secret string
	if v.Lookup != nil {
		secret, ok = v.Lookup(cred.AccessKeyID)
	}
	if !ok || v.Lookup == nil {
		return &Error{Code: CodeUnrecognizedClient, Status: http.StatusForbidden, Message: MsgUnrecognizedClient}
	}

	payloadHash := a.contentSHA256
	if payloadHash == "" {
		if vals := r.Header["X-Amz-Content-Sha256"]; len(vals) > 0 {
			payloadHash = vals[0]
		}
	}
	var payload []byte
	if payloadHash == "UNSIGNED-PAYLOAD" || strings.HasPrefix(payloadHash, "STREAMING-") {
		payload = []byte(payloadHash)
	} else {
		// Whatever X-Amz-Content-Sha256 claims, the body that arrived is
		// what gets signed: a body that does not match the header fails
		// the signature check.
		var sumHex [64]byte
		sum := sha256.Sum256(body)
		hex.Encode(sumHex[:], sum[:])
		payload = sumHex[:]
	}

	given, ok := decodeSignature(a.signature)
	key := signingKey(secret, cred.Date, cred.Region, cred.Service)

	s := scratchPool.Get().(*scratch)
	defer s.release()
	path := rawPath(r)
	sig := s.sign(r, &a, &cred, key, path, payload)
	if ok && subtle.ConstantTimeCompare(sig[:], given[:]) == 1 {
		return nil
	}
	e = invalid(MsgSignatureMismatch)
	e.CanonicalRequest = string(s.canon)
	e.StringToSign = string(s.sts)
	if ok && needsNormalizing(path) {
		// botocore signs the path with empty, "." and ".." segments
		// removed (as AWS normalizes it); other SDKs sign it as sent.
		sig = s.sign(r, &a, &cred, key, normalizePath(path), payload)
		if subtle.ConstantTimeCompare(sig[:], given[:]) == 1 {
			return nil
		}
	}
	return e
}

// readAuth collects the signature fields from the Authorization header or
// the presigned query and reports the IncompleteSignature cases AWS checks
// before anything else.
func readAuth(r *http.Request) (auth, *Error) {
	var a auth
	var header string
	hasHeader := false
	if vals := r.Header["Authorization"]; len(vals) > 0 && strings.TrimSpace(vals[0]) != "" {
		header, hasHeader = vals[0], true
	}

	var hasAlg, hasCred, hasSig, hasSH, hasDate, presigned bool
	if r.URL != nil {
		for q := r.URL.RawQuery; q != ""; {
			var k, val string
			k, val, q = nextQueryPair(q)
			if !strings.HasPrefix(k, "X-Amz-") {
				continue
			}
			switch k {
			case "X-Amz-Algorithm":
				a.algorithm, hasAlg, presigned = queryUnescape(val), val != "", true
			case "X-Amz-Credential":
				a.credential, hasCred, presigned = queryUnescape(val), val != "", true
			case "X-Amz-Signature":
				a.signature, hasSig, presigned = queryUnescape(val), val != "", true
			case "X-Amz-SignedHeaders":
				a.signedHeaders, hasSH = queryUnescape(val), true
			case "X-Amz-Date":
				a.date, hasDate = queryUnescape(val), val != ""
			case "X-Amz-Expires":
				a.expires, a.hasExpires = queryUnescape(val), true
			case "X-Amz-Content-Sha256":
				a.contentSHA256 = queryUnescape(val)
			}
		}
	}

	if hasHeader {
		if hasAlg {
			return a, invalid(MsgBothAuthorizations)
		}
		return readAuthorization(r, header)
	}
	if !presigned {
		return a, &Error{Code: CodeMissingAuthenticationToken, Status: http.StatusForbidden, Message: MsgMissingAuthenticationToken}
	}
	a.presigned = true
	var msg string
	for _, p := range [...]struct {
		name string
		ok   bool
	}{
		{"X-Amz-Algorithm", hasAlg},
		{"X-Amz-Credential", hasCred},
		{"X-Amz-Signature", hasSig},
		{"X-Amz-SignedHeaders", hasSH && a.signedHeaders != ""},
		{"X-Amz-Date", hasDate},
	} {
		if !p.ok {
			msg += "AWS query-string parameters must include '" + p.name + "'. "
		}
	}
	if msg != "" {
		return a, incomplete(msg + "Re-examine the query-string parameters.")
	}
	return a, nil
}

// readAuthorization parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=..." (components separated by commas and/or spaces).
func readAuthorization(r *http.Request, header string) (auth, *Error) {
	var a auth
	var hasCred, hasSH, hasSig bool
	var rest string
	a.algorithm, rest = cutAlgorithm(header)
	for rest != "" {
		var tok string
		tok, rest = nextAuthToken(rest)
		if tok == "" {
			continue
		}
		k, val, ok := strings.Cut(tok, "=")
		if !ok {
			return a, missingEqualSign(header)
		}
		switch k {
		case "Credential":
			if !hasCred {
				a.credential, hasCred = val, val != ""
			}
		case "SignedHeaders":
			// May be empty here; the 'host' check reports that.
			if !hasSH {
				a.signedHeaders, hasSH = val, true
			}
		case "Signature":
			if !hasSig {
				a.signature, hasSig = val, val != ""
			}
		}
	}

	hasDate := false
	if d := r.Header["X-Amz-Date"]; len(d) > 0 && d[0] != "" {
		a.date, hasDate = strings.TrimSpace(d[0]), true
	} else if d := r.Header["Date"]; len(d) > 0 && d[0] != "" {
		// AWS falls back to the Date header; the string to sign then
		// carries its ISO 8601 basic form.
		hasDate = true
		a.date = d[0]
		if t, err := http.ParseTime(d[0]); err == nil {
			a.date = t.UTC().Format(amzTimeFormat)
		}
	}

	var msg string
	if !hasCred {
		msg += "Authorization header requires 'Credential' parameter. "
	}
	if !hasSig {
		msg += "Authorization header requires 'Signature' parameter. "
	}
	if !hasSH {
		msg += "Authorization header requires 'SignedHeaders' parameter. "
	}
	if !hasDate {
		msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
	}
	if msg != "" {
		return a, incomplete(msg + "Authorization=" + header)
	}
	return a, nil
}

// signsHost reports whether the SignedHeaders list includes host (or the
// HTTP/2 :authority), case-insensitively.
func signsHost(list string) bool {
	for rest := list; rest != ""; {
		n, r, _ := strings.Cut(rest, ";")
		rest = r
		if n = strings.TrimSpace(n); strings.EqualFold(n, "host") || n == ":authority" {
			return true
		}
	}
	return false
}

// decodeSignature decodes the 64 lower-case hex digits of a signature.
func decodeSignature(s string) (sig [32]byte, ok bool) {
	if len(s) != 64 {
		return sig, false
	}
	for i := 0; i < 32; i++ {
		h, l := s[2*i], s[2*i+1]
		if !isLowerHex(h) || !isLowerHex(l) {
			return sig, false
		}
		hi, _ := unhex(h)
		lo, _ := unhex(l)
		sig[i] = hi<<4 | lo
	}
	return sig, true
}

func isLowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// scratch holds the buffers one verification needs, recycled through
// scratchPool so that a steady stream of requests allocates little.
type scratch struct {
	canon  []byte // canonical request
	sts    []byte // string to sign
	qbuf   []byte // re-encoded query keys and values
	mac    []byte // HMAC input
	params []qparam
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (s *scratch) release() {
	if cap(s.canon) > 64<<10 || cap(s.qbuf) > 64<<10 {
		return // let an unusually large request's buffers go
	}
	scratchPool.Put(s)
}

// sign builds the canonical request and the string to sign into s and
// returns the signature they give under key.
func (s *scratch) sign(r *http.Request, a *auth, cred *Credential, key [32]byte, path string, payload []byte) [32]byte {
	signedList, names, _ := signedHeaderNames(a.signedHeaders)

	c := s.canon[:0]
	c = append(c, r.Method...)
	c = append(c, '\n')
	c = appendCanonicalURI(c, path)
	c = append(c, '\n')
	if r.URL != nil {
		c = s.appendCanonicalQuery(c, r.URL.RawQuery, a.presigned)
	}
	c = append(c, '\n')
	c = appendCanonicalHeaders(c, r, signedList, names)
	c = append(c, '\n')
	c = append(c, signedList...)
	c = append(c, '\n')
	c = append(c, payload...)
	s.canon = c

	sum := sha256.Sum256(c)
	t := s.sts[:0]
	t = append(t, Algorithm+"\n"...)
	t = append(t, a.date...)
	t = append(t, '\n')
	t = append(t, cred.Date...)
	t = append(t, '/')
	t = append(t, cred.Region...)
	t = append(t, '/')
	t = append(t, cred.Service...)
	t = append(t, "/"+Terminator+"\n"...)
	t = hex.AppendEncode(t, sum[:])
	s.sts = t

	var sig [32]byte
	sig, s.mac = hmacSHA256(s.mac, key[:], t)
	return sig
}

// signingKey derives (and caches) the SigV4 signing key
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
func signingKey(secret, date, region, service string) [32]byte {
	k := keyCacheKey{secret, date, region, service}
	keyCache.RLock()
	key, ok := keyCache.m[k]
	keyCache.RUnlock()
	if ok {
		return key
	}
	var buf []byte
	key, buf = hmacSHA256(buf, []byte("AWS4"+secret), []byte(date))
	key, buf = hmacSHA256(buf, key[:], []byte(region))
	key, buf = hmacSHA256(buf, key[:], []byte(service))
	key, _ = hmacSHA256(buf, key[:], []byte(Terminator))

	k = keyCacheKey{strings.Clone(secret), strings.Clone(date), strings.Clone(region), strings.Clone(service)}
	keyCache.Lock()
	if keyCache.m == nil || len(keyCache.m) >= maxCachedKeys {
		keyCache.m = make(map[keyCacheKey][32]byte)
	}
	keyCache.m[k] = key
	keyCache.Unlock()
	return key
}

// maxCachedKeys bounds the signing key cache; scopes are client-chosen,
// so the cache is simply emptied when it fills up.
const maxCachedKeys = 1024

type keyCacheKey struct{ secret, date, region, service string }

var keyCache struct {
	sync.RWMutex
	m map[keyCacheKey][32]byte
}

// hmacSHA256 computes HMAC-SHA256(key, msg) (RFC 2104) with buf as
// scratch space, which it returns for reuse. Unlike crypto/hmac it needs
// no heap-allocated hash state.
func hmacSHA256(buf, key, msg []byte) ([32]byte, []byte) {
	var k [sha256.BlockSize]byte
	if len(key) > len(k) {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	buf = buf[:0]
	for _, b := range k {
		buf = append(buf, b^0x36)
	}
	buf = append(buf, msg...)
	inner := sha256.Sum256(buf)
	var outer [sha256.BlockSize + sha256.Size]byte
	for i, b := range k {
		outer[i] = b ^ 0x5c
	}
	copy(outer[sha256.BlockSize:], inner[:])
	return sha256.Sum256(outer[:]), buf
}
