package main

import (
	"flag"
	"github.com/jemputbola/jemput/internal/cli"
	"os"
	"path/filepath"

	"github.com/jemputbola/jemput/internal/record"
)

// common holds the flags every command takes.
type common struct {
	data string
	lang string
	json bool
}

func newFlags(s stdio, name, args, help string, c *common, withJSON bool) *flag.FlagSet {
	fs := cli.NewFlagSet(s.Out, "jemput-agent", name, args, help)
	fs.StringVar(&c.data, "data", envOr(s.Getenv, "JEMPUT_DATA", defaultDataDir(s.Getenv)), "data directory (env JEMPUT_DATA)")
	fs.StringVar(&c.lang, "lang", envOr(s.Getenv, "JEMPUT_LANG", "id"), "language of messages: id or en (env JEMPUT_LANG)")
	if withJSON {
		fs.BoolVar(&c.json, "json", false, "print JSON for scripts")
	}
	return fs
}

// parse parses flags around positional arguments and checks --lang.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return nil, err
	}
	if l := fs.Lookup("lang"); l != nil && l.Value.String() != "id" && l.Value.String() != "en" {
		return nil, usageErr("--lang %q: use id (Bahasa Indonesia) or en (English)", l.Value.String())
	}
	return pos, nil
}

func (c *common) language() record.Lang { return record.ParseLang(c.lang) }

var envOr = cli.EnvOr

// defaultDataDir follows the XDG convention so an officer who never passes
// --data still has one place where everything is.
func defaultDataDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "jemput")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "jemput")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "jemput")
	}
	return "jemput-data"
}

func dbPath(dir string) string { return filepath.Join(dir, "agent.db") }
