package main

import (
	"context"
	"flag"
	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/cli"
	"os"
	"path/filepath"
	"strings"
)

type common struct {
	data string
	json bool
	by   string
}

func newFlags(s stdio, name, args, help string, c *common, withJSON bool) *flag.FlagSet {
	fs := cli.NewFlagSet(s.Out, "jemput-hub", name, args, help)
	fs.StringVar(&c.data, "data", envOr(s.Getenv, "JEMPUT_HUB_DATA", "jemput-hub-data"), "hub data directory (env JEMPUT_HUB_DATA)")
	if withJSON {
		fs.BoolVar(&c.json, "json", false, "print JSON for scripts")
	}
	return fs
}

// byFlag adds --by: who acts, for the record's history.
func byFlag(s stdio, fs *flag.FlagSet, c *common) {
	def := envOr(s.Getenv, "JEMPUT_OPERATOR", envOr(s.Getenv, "USER", "operator"))
	fs.StringVar(&c.by, "by", def, "operator name for the history (env JEMPUT_OPERATOR)")
}

var (
	parse     = cli.Parse
	envOr     = cli.EnvOr
	writeJSON = cli.WriteJSON
)

func dbPath(dir string) string  { return filepath.Join(dir, "hub.db") }
func keyPath(dir string) string { return filepath.Join(dir, "hub.key") }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// actor names the CLI's operator in ctx, for the audit log.
func (c *common) actor(ctx context.Context) context.Context {
	return hub.WithActor(ctx, "cli:"+c.by)
}

// parseNoArgs parses flags of a command that takes no positional
// arguments: a stray one (`init /srv/jemput` for `init --data /srv/jemput`)
// must not be ignored and the work done somewhere else.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	// `--status --data D` takes "--data" as the status and leaves D over:
	// name the flag that lost its value.
	var missing string
	fs.Visit(func(f *flag.Flag) {
		if v := f.Value.String(); missing == "" && strings.HasPrefix(v, "-") {
			missing = f.Name
		}
	})
	if missing != "" {
		return usageErr("--%s needs a value", missing)
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q (did you mean --data %s?)", pos[0], pos[0])
	}
	return nil
}
