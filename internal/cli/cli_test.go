package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"testing"
)

func TestExit(t *testing.T) {
	tests := []struct {
		err  error
		code int
		out  string
	}{
		{nil, 0, ""},
		{flag.ErrHelp, 0, ""},
		{fmt.Errorf("wrap: %w", ErrReported), 1, ""},
		{UsageErr("needs %s", "ID"), 2, "prog cmd: usage: needs ID\n"},
		{errors.New("disk full"), 1, "prog cmd: disk full\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if got := Exit(tt.err, &b, "prog cmd"); got != tt.code || b.String() != tt.out {
			t.Errorf("Exit(%v) = %d %q, want %d %q", tt.err, got, b.String(), tt.code, tt.out)
		}
	}
}

func TestParseInterleaved(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	data := fs.String("data", "", "")
	json := fs.Bool("json", false, "")
	pos, err := Parse(fs, []string{"ektp", "--data", "D", "file", "--json"})
	if err != nil || !slices.Equal(pos, []string{"ektp", "file"}) || *data != "D" || !*json {
		t.Fatalf("pos %v data %q json %v err %v", pos, *data, *json, err)
	}
	if _, err := Parse(fs, []string{"--nope"}); !errors.Is(err, ErrUsage) {
		t.Fatalf("unknown flag: %v, want ErrUsage", err)
	}
}
