package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/agent/web"
	"github.com/jemputbola/jemput/internal/wilayah"
)

const serveHelp = `Serves the officer's pages (forms, my records, worklist, receipts, sync) to this laptop's
browser. The store stays locked until the passphrase is typed on the page, and locks itself
again after --idle without use. Only this laptop can open the pages unless --allow-remote.`

func cmdServe(ctx context.Context, s stdio, args []string) error {
	var c common
	var addr string
	var idle time.Duration
	var allowRemote bool
	fs := newFlags(s, "serve", "", serveHelp, &c, false)
	fs.StringVar(&addr, "addr", envOr(s.Getenv, "JEMPUT_ADDR", "127.0.0.1:8081"), "listen address (env JEMPUT_ADDR)")
	fs.DurationVar(&idle, "idle", web.DefaultIdle, "lock the pages after this long without use")
	fs.BoolVar(&allowRemote, "allow-remote", false, "accept other machines (the pages hold personal data: only on a trusted network)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("serve takes no arguments, got %q", pos[0])
	}
	if idle < time.Minute {
		return usageErr("--idle %s: at least 1m", idle)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErr("--addr %q: use HOST:PORT, e.g. 127.0.0.1:8081", addr)
	}
	if ip := net.ParseIP(host); !allowRemote && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usageErr("--addr %s is reachable from other machines; the pages hold personal data. Use 127.0.0.1, or add --allow-remote on a trusted network", addr)
	}
	path := dbPath(c.data)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no agent store in %s: run `jemput-agent init --data %s` first, or check --data", c.data, c.data)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	regions, err := wilayah.Load()
	if err != nil {
		return fmt.Errorf("load region codes: %w", err)
	}
	log := slog.New(slog.NewTextHandler(s.Err, nil))
	pages, err := web.New(web.Config{DB: db, Regions: regions, Idle: idle, AllowRemote: allowRemote, Log: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is jemput-agent serve already running?)", addr, err)
	}
	srv := &http.Server{Handler: pages.Handler(), ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(s.Out, "jemput-agent: open http://%s in the browser on this laptop (Ctrl-C stops)\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}
