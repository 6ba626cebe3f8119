package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTTY answers password prompts from a list, as a person at the
// keyboard would.
type fakeTTY struct {
	answers []string
	shown   bytes.Buffer
}

func (f *fakeTTY) Read(p []byte) (int, error)  { return 0, io.EOF }
func (f *fakeTTY) Write(p []byte) (int, error) { return f.shown.Write(p) }
func (f *fakeTTY) Close() error                { return nil }
func (f *fakeTTY) ReadPassword() ([]byte, error) {
	if len(f.answers) == 0 {
		return nil, io.EOF
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	return []byte(a), nil
}

func cliTTY(t *testing.T, dir string, term *fakeTTY, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"JEMPUT_DATA": dir}
	code := run(context.Background(), args, stdio{In: strings.NewReader(stdin), Out: &out, Err: &errb,
		Getenv: func(k string) string { return env[k] }, TTY: func() (tty, error) { return term, nil }})
	return result{out.String(), errb.String(), code}
}

func TestPassphrasePrompt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "laptop")
	if r := cliTTY(t, dir, &fakeTTY{answers: []string{"satu dua tiga", "satu dua tigA"}}, "", "init"); r.code != 1 || !strings.Contains(r.err, "differ") {
		t.Fatalf("mismatched confirmation: %d %q", r.code, r.err)
	}
	tty := &fakeTTY{answers: []string{"satu dua tiga", "satu dua tiga"}}
	if r := cliTTY(t, dir, tty, "", "init"); r.code != 0 {
		t.Fatalf("init at the prompt: %d %q", r.code, r.err)
	}
	if !strings.Contains(tty.shown.String(), "Passphrase") {
		t.Errorf("no prompt shown: %q", tty.shown.String())
	}
	// Records come on stdin while the passphrase comes from the terminal.
	r := cliTTY(t, dir, &fakeTTY{answers: []string{"satu dua tiga"}}, fixtureLine(t, "death")+"\n", "record", "death", "--file", "-")
	if r.code != 0 || !strings.Contains(r.out, "saved") {
		t.Fatalf("record with prompted passphrase: %d %q %q", r.code, r.out, r.err)
	}
	if r := cliTTY(t, dir, &fakeTTY{answers: []string{"salah"}}, "", "list"); r.code != 1 || !strings.Contains(r.err, "wrong passphrase") {
		t.Fatalf("wrong passphrase at the prompt: %d %q", r.code, r.err)
	}
}
