package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
	"golang.org/x/text/unicode/norm"
)

// tty is a terminal to prompt on. The prompt never uses stdin, because
// stdin may carry the records (`record --file -`).
type tty interface {
	io.ReadWriteCloser
	ReadPassword() ([]byte, error)
}

type osTTY struct{ *os.File }

func (t osTTY) ReadPassword() ([]byte, error) { return term.ReadPassword(int(t.Fd())) }

func openTTY() (tty, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	if !term.IsTerminal(int(f.Fd())) {
		f.Close()
		return nil, errors.New("not a terminal")
	}
	return osTTY{f}, nil
}

// MinPassphrase is the shortest passphrase init accepts: the whole at-rest
// protection of a stolen laptop rests on it.
const MinPassphrase = 8

var errNoPassphrase = errors.New("no passphrase: set JEMPUT_PASSPHRASE or run this command in a terminal")

// passphrase reads the store passphrase from JEMPUT_PASSPHRASE or a prompt.
// confirm asks twice (for init).
func passphrase(s stdio, confirm bool) ([]byte, error) {
	if p := s.Getenv("JEMPUT_PASSPHRASE"); p != "" {
		return normalize([]byte(p)), nil
	}
	if s.TTY == nil {
		return nil, errNoPassphrase
	}
	t, err := s.TTY()
	if err != nil {
		return nil, errNoPassphrase
	}
	defer t.Close()
	fmt.Fprint(t, "Passphrase / kata sandi: ")
	p, err := t.ReadPassword()
	fmt.Fprintln(t)
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	if confirm {
		fmt.Fprint(t, "Again / ulangi: ")
		again, err := t.ReadPassword()
		fmt.Fprintln(t)
		if err != nil {
			return nil, fmt.Errorf("read passphrase: %w", err)
		}
		if string(again) != string(p) {
			return nil, errors.New("the two passphrases differ; nothing was created")
		}
	}
	return normalize(p), nil
}

// normalize puts the passphrase in Unicode NFC, so "é" typed as one key or
// as e + combining accent (different keyboards, input methods) unlocks the
// same store.
func normalize(p []byte) []byte { return norm.NFC.Bytes(p) }
