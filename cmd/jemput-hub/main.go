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
		{"serve", "run the sync API", cmdServe},
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
		{"report", "supervisors' figures by region: report coverage", cmdReport},
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, "jemput-hub: the central Jemput server (sync API, review).\n\nUsage: jemput-hub COMMAND [flags]   (jemput-hub COMMAND --help for its flags)\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nEvery command takes --data DIR (or JEMPUT_HUB_DATA; default ./jemput-hub-data).\n")
}

// run executes one command: exit 0 success, 1 failure (one line on
// stderr), 2 bad usage.
func run(ctx context.Context, args []string, s stdio) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(s.Out)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		return cli.Exit(c.run(ctx, s, args[1:]), s.Err, "jemput-hub "+c.name)
	}
	fmt.Fprintf(s.Err, "jemput-hub: unknown command %q (run jemput-hub --help)\n", args[0])
	return 2
}

var (
	errUsage    = cli.ErrUsage
	errReported = cli.ErrReported
	usageErr    = cli.UsageErr
	errHelp     = flag.ErrHelp
)
