// Package cli holds what both command-line programs share: the exit-code
// contract (0 done, 1 failed with a one-line reason, 2 wrong usage), flags
// that may come between positional arguments, environment fallbacks and
// JSON output for scripts.
package cli

import (
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
