package agent

import (
	"context"
	"errors"
	"testing"

	"github.com/jemputbola/jemput/agent/hubclient"
)

// The sync page's connection check: the hub answers only a laptop it
// knows and trusts, over a real HTTP server.
func TestHello(t *testing.T) {
	ctx := context.Background()
	th := newTestHub(t)
	a, _ := enroll(t, th, th.srv.URL)
	hello, err := client(t, a, th.srv.URL).Hello(ctx)
	if err != nil || hello.Officer != "Yohanes Lawing" || hello.Time.IsZero() {
		t.Fatalf("hello: %+v, %v", hello, err)
	}
	if _, err := th.hub.Revoke(ctx, a.store.DeviceID()); err != nil {
		t.Fatal(err)
	}
	if _, err := client(t, a, th.srv.URL).Hello(ctx); !errors.Is(err, hubclient.ErrRevoked) {
		t.Fatalf("hello from a revoked laptop: %v", err)
	}
	stranger, _ := newAgent(t)
	if _, err := client(t, stranger, th.srv.URL).Hello(ctx); err == nil {
		t.Fatal("a laptop the hub never enrolled was answered")
	}
	th.srv.Close()
	if _, err := client(t, a, th.srv.URL).Hello(ctx); err == nil {
		t.Fatal("hello with the hub down did not fail")
	}
}
