// Package testnet holds a TCP proxy for tests that need a bad link: it
// forwards to a real server on 127.0.0.1 and cuts connections after a
// byte budget, the way a mobile link drops in the middle of an upload.
package testnet

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// Proxy forwards TCP connections to Target.
type Proxy struct {
	ln     net.Listener
	target string
	// CutAfter, when positive, cuts each of the next Cuts connections after
	// that many bytes from client to server.
	cutAfter atomic.Int64
	cuts     atomic.Int64
	cutDone  atomic.Int64
	mu       sync.Mutex
	conns    map[net.Conn]bool
	wg       sync.WaitGroup
}

// New starts a proxy on 127.0.0.1 to target ("host:port").
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the proxy's address.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// URL is http://Addr.
func (p *Proxy) URL() string { return "http://" + p.Addr() }

// CutEvery makes the next n connections drop after bytes bytes sent
// upstream (request bytes, headers included).
func (p *Proxy) CutEvery(bytes int64, n int) {
	p.cutAfter.Store(bytes)
	p.cuts.Store(int64(n))
}

// Cuts is how many connections the proxy has cut so far.
func (p *Proxy) Cuts() int { return int(p.cutDone.Load()) }

// Close stops the proxy and every connection through it.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.handle(c)
	}
}

func (p *Proxy) handle(client net.Conn) {
	defer p.wg.Done()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.track(client, true)
	p.track(server, true)
	defer func() {
		client.Close()
		server.Close()
		p.track(client, false)
		p.track(server, false)
	}()
	budget := int64(-1)
	if p.cuts.Load() > 0 && p.cuts.Add(-1) >= 0 {
		budget = p.cutAfter.Load()
	}
	done := make(chan struct{}, 2)
	go func() {
		io.Copy(client, server)
		done <- struct{}{}
	}()
	go func() {
		if budget >= 0 {
			io.CopyN(server, client, budget)
			p.cutDone.Add(1)
			// A dropped link: both directions die, mid-request.
			client.Close()
			server.Close()
		} else {
			io.Copy(server, client)
		}
		done <- struct{}{}
	}()
	<-done
}
