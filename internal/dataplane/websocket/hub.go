package websocket

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	ws "github.com/coder/websocket"

	"github.com/stagecraft/stagecraft/internal/store"
)

// ErrGone is returned for a connection that does not exist (any more):
// the @connections API answers it 410 GoneException.
var ErrGone = errors.New("websocket: connection is gone")

// MaxPostSize is the largest message PostToConnection sends: 128 KB [D:
// WebSocket quotas, "Message payload size"].
const MaxPostSize = 128 << 10

// Hub is the registry of the open WebSocket connections of one node,
// shared by the WebSocket data plane (which adds and removes them) and
// the @connections management API (which sends to, describes and closes
// them). There is one Hub per store (HubFor), so a data plane and a
// management service built over the same store find each other without
// further wiring.
type Hub struct {
	mu    sync.RWMutex
	conns map[string]*Conn
}

var hubs sync.Map // store.Store → *Hub

// HubFor returns the process-wide Hub of st, creating it on first use.
func HubFor(st store.Store) *Hub {
	if h, ok := hubs.Load(st); ok {
		return h.(*Hub)
	}
	h, _ := hubs.LoadOrStore(st, &Hub{conns: map[string]*Conn{}})
	return h.(*Hub)
}

func (h *Hub) add(c *Conn) {
	h.mu.Lock()
	h.conns[c.id] = c
	h.mu.Unlock()
}

func (h *Hub) remove(c *Conn) {
	h.mu.Lock()
	if h.conns[c.id] == c {
		delete(h.conns, c.id)
	}
	h.mu.Unlock()
}

// Get returns an open connection.
func (h *Hub) Get(id string) (*Conn, bool) {
	h.mu.RLock()
	c := h.conns[id]
	h.mu.RUnlock()
	if c == nil || c.closing.Load() {
		return nil, false
	}
	return c, true
}

// Len is the number of open connections.
func (h *Hub) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns)
}

func (h *Hub) snapshot() []*Conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*Conn, 0, len(h.conns))
	for _, c := range h.conns {
		out = append(out, c)
	}
	return out
}

// Conn is one open WebSocket connection.
type Conn struct {
	id          string
	account     string
	region      string
	apiID       string
	stage       string
	sourceIP    string
	userAgent   string
	connectedAt time.Time
	lastActive  atomic.Int64 // unix nanoseconds of the last client message
	closing     atomic.Bool
	closeCode   atomic.Int32 // the code the server closed with; 0 when the client closed

	wsc   atomic.Pointer[ws.Conn] // set once the handshake is done
	ready chan struct{}           // closed when the handshake is done (or failed)
	owner *Handler

	cmu         sync.Mutex // guards closeReason and the close handshake
	closeReason string
	closeOnce   sync.Once
}

// ID is the connection id.
func (c *Conn) ID() string { return c.id }

// APIID and Stage name the API stage the connection is open on.
func (c *Conn) APIID() string { return c.apiID }
func (c *Conn) Stage() string { return c.stage }

// Info is what GetConnection describes.
type Info struct {
	ConnectedAt  time.Time
	LastActiveAt time.Time
	SourceIP     string
	UserAgent    string
}

// Info describes the connection.
func (c *Conn) Info() Info {
	return Info{ConnectedAt: c.connectedAt, LastActiveAt: time.Unix(0, c.lastActive.Load()), SourceIP: c.sourceIP, UserAgent: c.userAgent}
}

// postTimeout bounds one PostToConnection write: a client that does not
// read does not hold the caller forever.
const postTimeout = 10 * time.Second

// Send writes one message to the client: a text frame when data is UTF-8
// text, else a binary frame [?: AWS does not document the frame type].
func (c *Conn) Send(ctx context.Context, data []byte) error {
	// A connection is registered just before its handshake completes:
	// the client may know its id (from a message) before the server side
	// is ready.
	select {
	case <-c.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	w := c.wsc.Load()
	if w == nil || c.closing.Load() {
		return ErrGone
	}
	typ := ws.MessageText
	if !utf8.Valid(data) {
		typ = ws.MessageBinary
	}
	ctx, cancel := context.WithTimeout(ctx, postTimeout)
	defer cancel()
	if err := w.Write(ctx, typ, data); err != nil {
		if c.closing.Load() || ctx.Err() == nil {
			return ErrGone
		}
		return err
	}
	return nil
}

// Close closes the connection from the server side: at once for every
// later Get, Send and Close (which answer ErrGone), the closing handshake
// in the background; $disconnect runs when the connection is done.
func (c *Conn) Close(code ws.StatusCode, reason string) error {
	if !c.markClosing(code, reason) {
		return ErrGone
	}
	if w := c.wsc.Load(); w != nil {
		go c.shutdown(w)
	}
	return nil
}

// markClosing records a server-side close; false when the connection
// was already closing.
func (c *Conn) markClosing(code ws.StatusCode, reason string) bool {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	if !c.closing.CompareAndSwap(false, true) {
		return false
	}
	c.closeCode.Store(int32(code))
	c.closeReason = reason
	return true
}

// shutdown runs the closing handshake once, with the recorded code.
func (c *Conn) shutdown(w *ws.Conn) {
	c.closeOnce.Do(func() {
		c.cmu.Lock()
		code, reason := ws.StatusCode(c.closeCode.Load()), c.closeReason
		c.cmu.Unlock()
		if code == 0 {
			code = ws.StatusNormalClosure
		}
		w.Close(code, reason)
	})
}
