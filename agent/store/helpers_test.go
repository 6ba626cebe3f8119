package store

import (
	"crypto/rand"
	"testing"

	"github.com/jemputbola/jemput/internal/tracking"
)

func validCode(t testing.TB) string {
	t.Helper()
	c, err := tracking.New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return string(c)
}
