package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/jemputbola/jemput/hub/httpapi"
	"github.com/jemputbola/jemput/hub/web"
)

const serveHelp = `Runs the hub's sync API (under /api/v1) and its web pages (log in at /login) until interrupted. Laptops enrol with a code from
'jemput-hub device code' and then sync. Logs go to stderr.`

func cmdServe(ctx context.Context, s stdio, args []string) error {
	var c common
	var addr string
	fs := newFlags(s, "serve", "", serveHelp, &c, false)
	fs.StringVar(&addr, "addr", envOr(s.Getenv, "JEMPUT_ADDR", ":8080"), "listen address (env JEMPUT_ADDR)")
	var certFile, keyFile string
	fs.StringVar(&certFile, "tls-cert", envOr(s.Getenv, "JEMPUT_TLS_CERT", ""), "serve HTTPS with this certificate (PEM; env JEMPUT_TLS_CERT)")
	fs.StringVar(&keyFile, "tls-key", envOr(s.Getenv, "JEMPUT_TLS_KEY", ""), "the certificate's private key (PEM; env JEMPUT_TLS_KEY)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(s.Err, nil))
	sess, err := open(ctx, c.data, log)
	if err != nil {
		return err
	}
	defer sess.Close()
	api, err := httpapi.New(sess.hub, filepath.Join(c.data, "uploads"), log, nil)
	if err != nil {
		return err
	}
	if (certFile == "") != (keyFile == "") {
		return usageErr("--tls-cert and --tls-key go together")
	}
	pages, err := web.New(sess.hub, log, nil)
	if err != nil {
		return err
	}
	// Behind TLS the session cookie is never sent in the clear.
	pages.Secure = certFile != ""
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	api.Routes(r)
	pages.Routes(r)
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	scheme := "http"
	if certFile != "" {
		scheme = "https"
	}
	fmt.Fprintf(s.Out, "jemput-hub serving on %s://%s (data %s); Ctrl-C stops\n", scheme, ln.Addr(), c.data)
	if certFile == "" {
		log.Warn("serving plain HTTP: put the hub behind TLS (--tls-cert/--tls-key or a proxy) before operators log in over a network")
	}
	errc := make(chan error, 1)
	go func() {
		if certFile != "" {
			errc <- srv.ServeTLS(ln, certFile, keyFile)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("hub stopped")
	return nil
}
