// Command jemput-agent is the field officer's tool: it records KTP-el
// enrolments, births and deaths on a laptop with no network, keeps them
// encrypted, and (in later versions) syncs them to the hub.
package main

import (
	"context"
	"fmt"
	"github.com/jemputbola/jemput/internal/cli"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Everything this program creates holds personal data, even if sealed:
	// nobody but the officer's account may read it.
	syscall.Umask(0o077)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv, TTY: openTTY}))
}

// stdio is the process's world, injected so tests can run commands in
// process with their own input, output and environment.
type stdio struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
	// TTY opens the terminal for a passphrase prompt; nil or an error means
	// there is no terminal (a script), and the passphrase must come from
	// JEMPUT_PASSPHRASE.
	TTY func() (tty, error)
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, s stdio, args []string) error
}

func commands() []command {
	return []command{
		{"init", "create an encrypted store for this laptop", cmdInit},
		{"record", "save new records (drafts) from a JSON or JSON Lines file", cmdRecord},
		{"edit", "change fields of a record: field=value ...", cmdEdit},
		{"submit", "check records and mark them ready for the hub", cmdSubmit},
		{"withdraw", "withdraw records made in error (kept, never deleted)", cmdWithdraw},
		{"list", "list records (by status, kind or NIK)", cmdList},
		{"show", "show one record with its problems", cmdShow},
		{"status", "pending ops, last sync, counts by status", cmdStatus},
		{"enroll", "enrol this laptop at the hub with a one-time code", cmdEnroll},
		{"sync", "send changes to the hub and fetch its decisions (resumable)", cmdSync},
		{"export", "write pending changes to a file for a USB stick", cmdExport},
		{"import", "read the hub's return file (receipts and decisions)", cmdImport},
		{"serve", "the officer's pages in this laptop's browser (127.0.0.1 only)", cmdServe},
	}
}

const usageHead = `jemput-agent: the field officer's registration kit (offline, encrypted).

Usage: jemput-agent COMMAND [flags]   (jemput-agent COMMAND --help for its flags)

Commands:
`

const usageTail = `
Every command takes --data DIR (or JEMPUT_DATA; default %s).
The passphrase is asked at the terminal, or read from JEMPUT_PASSPHRASE.
Field kinds and their JSON fields: see README.md ("Record JSON").
`

func usage(w io.Writer, getenv func(string) string) {
	fmt.Fprint(w, usageHead)
	cli.PrintCommands(w, cliCommands(stdio{}))
	fmt.Fprintf(w, usageTail, defaultDataDir(getenv))
}

// run executes one command and returns the process exit code: 0 success,
// 1 failure (a one-line reason on stderr), 2 bad usage.
func run(ctx context.Context, args []string, s stdio) int {
	if len(args) == 0 || cli.IsHelp(args[0]) {
		usage(s.Out, s.Getenv)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	return cli.Dispatch(ctx, "jemput-agent", args, cliCommands(s), s.Err)
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
)
