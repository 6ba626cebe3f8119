// Package browsertest finds Debian's Chromium for the browser tests of
// both web UIs and starts it headless.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Context starts headless Chromium at 1366x768 and returns a browser
// context, cancelled when the test ends. Without chromium on PATH the
// test is skipped, unless JEMPUT_REQUIRE_BROWSER is set (CI): then it fails.
func Context(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	exe := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		if os.Getenv("JEMPUT_REQUIRE_BROWSER") != "" {
			t.Fatal("no chromium on PATH (apt install chromium)")
		}
		t.Skip("no chromium on PATH; apt install chromium to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1366, 768))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return ctx
}
