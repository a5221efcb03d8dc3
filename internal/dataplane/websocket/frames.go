package websocket

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"sync/atomic"
)

// Quotas [D: "Quotas for configuring and running a WebSocket API"]: a
// frame carries at most 32 KB, a message at most 128 KB; a larger one
// makes API Gateway close the connection with 1009 (message too big).
const (
	MaxFrameSize   = 32 << 10
	MaxMessageSize = 128 << 10
)

// frameWatch sits between the client's socket and the WebSocket library
// and follows the frame headers going by, noting a data frame whose
// payload exceeds MaxFrameSize. The library itself only bounds whole
// messages (SetReadLimit); the connection's reader checks oversized after
// each message and closes with 1009.
type frameWatch struct {
	net.Conn
	r        io.Reader
	oversize atomic.Bool

	hdr    [14]byte
	nhdr   int
	need   int    // header length once known (0: not yet)
	remain uint64 // payload bytes of the current frame still to pass
}

func (f *frameWatch) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if n > 0 {
		f.scan(p[:n])
	}
	return n, err
}

func (f *frameWatch) scan(b []byte) {
	for len(b) > 0 {
		if f.remain > 0 {
			if uint64(len(b)) <= f.remain {
				f.remain -= uint64(len(b))
				return
			}
			b = b[f.remain:]
			f.remain = 0
		}
		// Collect the frame header: 2 bytes, 0/2/8 bytes of extended
		// length, 4 bytes of mask key when masked.
		for len(b) > 0 {
			f.hdr[f.nhdr] = b[0]
			f.nhdr++
			b = b[1:]
			if f.nhdr == 2 {
				f.need = 2
				switch f.hdr[1] & 0x7f {
				case 126:
					f.need += 2
				case 127:
					f.need += 8
				}
				if f.hdr[1]&0x80 != 0 {
					f.need += 4
				}
			}
			if f.nhdr >= 2 && f.nhdr == f.need {
				break
			}
		}
		if f.nhdr < 2 || f.nhdr < f.need {
			return
		}
		var n uint64
		switch l := f.hdr[1] & 0x7f; l {
		case 126:
			n = uint64(f.hdr[2])<<8 | uint64(f.hdr[3])
		case 127:
			for i := 2; i < 10; i++ {
				n = n<<8 | uint64(f.hdr[i])
			}
		default:
			n = uint64(l)
		}
		if opcode := f.hdr[0] & 0x0f; opcode < 8 && n > MaxFrameSize {
			f.oversize.Store(true)
		}
		f.nhdr, f.need, f.remain = 0, 0, n
	}
}

// watchWriter hands the WebSocket library a hijacked connection whose
// reads pass through a frameWatch.
type watchWriter struct {
	http.ResponseWriter
	fw *frameWatch
}

func (w *watchWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *watchWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	buffered, _ := brw.Reader.Peek(brw.Reader.Buffered())
	w.fw = &frameWatch{Conn: c, r: io.MultiReader(bytes.NewReader(bytes.Clone(buffered)), c)}
	return w.fw, bufio.NewReadWriter(bufio.NewReaderSize(w.fw, 8<<10), brw.Writer), nil
}
