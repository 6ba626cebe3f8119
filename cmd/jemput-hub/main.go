// Command jemput-hub is the central server: it receives synced records
// over HTTP or from USB bundle files, merges them, and lets operators review
// them from the command line (the web UI comes next).
package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/jemputbola/jemput/internal/cli"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	syscall.Umask(0o077)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv}))
}

type stdio struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, s stdio, args []string) error
}

func commands() []command {
	return []command{
		{"init", "create the hub's keys and database", cmdInit},
		{"serve", "run the sync API and the web pages", cmdServe},
		{"device", "enrolment codes, devices, revocation: device code|list|revoke", cmdDevice},
		{"import", "ingest a bundle file from a USB stick and write the return file", cmdImport},
		{"records", "list records (by status, flag, kind, device)", cmdRecords},
		{"show", "show one record: fields, conflicts, duplicates, history", cmdShow},
		{"edit", "an operator's fix: field=value ... (travels back to the laptop)", cmdEdit},
		{"decide", "approve, reject or ask for a correction", cmdDecide},
		{"duplicate", "judge a duplicate pair: same or different", cmdDuplicate},
		{"audit", "the hash-chained audit log: audit verify|list", cmdAudit},
		{"user", "hub accounts for the web pages: user add", cmdUser},
		{"targets", "coverage targets by region: targets import FILE.csv|--default", cmdTargets},
		{"roster", "the residents extract behind worklists and village targets: roster import FILE.csv|refresh", cmdRoster},
		{"report", "supervisors' figures by region: report coverage", cmdReport},
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, "jemput-hub: the central Jemput server (sync API, review).\n\nUsage: jemput-hub COMMAND [flags]   (jemput-hub COMMAND --help for its flags)\n\nCommands:\n")
	cli.PrintCommands(w, cliCommands(stdio{}))
	fmt.Fprint(w, "\nEvery command takes --data DIR (or JEMPUT_HUB_DATA; default ./jemput-hub-data).\n")
}

// run executes one command: exit 0 success, 1 failure (one line on
// stderr), 2 bad usage.
func run(ctx context.Context, args []string, s stdio) int {
	if len(args) == 0 || cli.IsHelp(args[0]) {
		usage(s.Out)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	return cli.Dispatch(ctx, "jemput-hub", args, cliCommands(s), s.Err)
}

// cliCommands binds the commands to the process's stdio.
func cliCommands(s stdio) []cli.Command {
	var out []cli.Command
	for _, c := range commands() {
		run := c.run
		out = append(out, cli.Command{Name: c.name, Summary: c.summary,
			Run: func(ctx context.Context, args []string) error { return run(ctx, s, args) }})
	}
	return out
}

var (
	errReported = cli.ErrReported
	usageErr    = cli.UsageErr
	errHelp     = flag.ErrHelp
)
