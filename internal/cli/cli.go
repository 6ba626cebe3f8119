// Package cli holds what both command-line programs share: the exit-code
// contract (0 done, 1 failed with a one-line reason, 2 wrong usage), flags
// that may come between positional arguments, environment fallbacks and
// JSON output for scripts.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
)

var (
	// ErrUsage marks a mistake in the command line itself (exit 2).
	ErrUsage = errors.New("usage")
	// ErrReported means the command already told the user what failed (exit 1).
	ErrReported = errors.New("failed (reported above)")
)

// UsageErr is a usage mistake with its explanation.
func UsageErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUsage}, a...)...)
}

// Exit turns a command's error into the exit code, printing the one-line
// reason after prefix ("jemput-hub decide") on w.
func Exit(err error, w io.Writer, prefix string) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrReported):
		return 1
	case errors.Is(err, ErrUsage):
		fmt.Fprintf(w, "%s: %v\n", prefix, err)
		return 2
	default:
		fmt.Fprintf(w, "%s: %s\n", prefix, err)
		return 1
	}
}

// Parse parses flags that may come before, between or after positional
// arguments (`record --data D ektp --file F`), returning the positionals.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err // the flag package has printed fs.Usage
			}
			return nil, UsageErr("%v", err)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// EnvOr is the environment variable key, or def when it is unset or empty.
func EnvOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// WriteJSON prints v indented, for scripts.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// IsHelp reports whether arg asks for help.
func IsHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// Command is one subcommand of a program.
type Command struct {
	Name, Summary string
	Run           func(ctx context.Context, args []string) error
}

// PrintCommands lists cmds, names aligned, for a program's usage.
func PrintCommands(w io.Writer, cmds []Command) {
	width := 0
	for _, c := range cmds {
		width = max(width, len(c.Name))
	}
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-*s %s\n", width, c.Name, c.Summary)
	}
}

// Dispatch runs the command args[0] names and returns the exit code (see
// Exit); an unknown name is a usage error. prog prefixes every message.
func Dispatch(ctx context.Context, prog string, args []string, cmds []Command, stderr io.Writer) int {
	for _, c := range cmds {
		if c.Name == args[0] {
			return Exit(c.Run(ctx, args[1:]), stderr, prog+" "+c.Name)
		}
	}
	fmt.Fprintf(stderr, "%s: unknown command %q (run %s --help)\n", prog, args[0], prog)
	return 2
}

// NewFlagSet returns a flag set that reports errors to its caller, not to
// the terminal, and whose -h prints "Usage: PROG NAME [flags] ARGS", help
// and the flags to out.
func NewFlagSet(out io.Writer, prog, name, args, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: %s %s [flags] %s\n\n%s\n\nFlags:\n", prog, name, args, help)
		fs.SetOutput(out)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}
