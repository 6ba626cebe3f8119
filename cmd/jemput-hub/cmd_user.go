package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

const userHelp = `user add: creates a hub account for the web pages. Roles: operator (reviews and decides),
supervisor (watches coverage), admin (devices, users, audit, and what operators do). --region
limits what the user sees to one region code and everything under it. The password comes from
JEMPUT_USER_PASSWORD, or is asked at the terminal, or read from the first line of stdin.`

func cmdUser(ctx context.Context, s stdio, args []string) error {
	if len(args) == 0 {
		return usageErr("user needs a subcommand: add")
	}
	var c common
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		newFlags(s, "user", "add", userHelp, &c, true).Usage()
		return errHelp
	}
	if args[0] != "add" {
		return usageErr("unknown user subcommand %q (add)", args[0])
	}
	var name, role, region string
	fs := newFlags(s, "user add", "", userHelp, &c, true)
	fs.StringVar(&name, "name", "", "user name (required)")
	fs.StringVar(&role, "role", "", "operator, supervisor or admin (required)")
	fs.StringVar(&region, "region", "", "region code the user sees, e.g. 64.11 (default: all)")
	byFlag(s, fs, &c)
	if err := parseNoArgs(fs, args[1:]); err != nil {
		return err
	}
	if name == "" || role == "" {
		return usageErr("user add needs --name and --role")
	}
	pw, err := readPassword(s, "JEMPUT_USER_PASSWORD", "Password for "+name)
	if err != nil {
		return err
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	u, err := sess.hub.AddUser(c.actor(ctx), name, role, region, pw)
	if err != nil {
		return err
	}
	if c.json {
		return writeJSON(s.Out, map[string]string{"name": u.Name, "role": u.Role, "region": u.Region})
	}
	scope := u.Region
	if scope == "" {
		scope = "all regions"
	}
	fmt.Fprintf(s.Out, "User %s added: %s, %s.\n", u.Name, u.Role, scope)
	return nil
}

// readPassword takes a password from env, else the terminal (no echo),
// else the first line of stdin (for scripts).
func readPassword(s stdio, env, prompt string) (string, error) {
	if v := s.Getenv(env); v != "" {
		return v, nil
	}
	if f, ok := s.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(s.Err, "%s: ", prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.Err)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(s.Err, "Again: ")
		b2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.Err)
		if err != nil {
			return "", err
		}
		if string(b) != string(b2) {
			return "", fmt.Errorf("the two passwords differ; nothing was changed")
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(io.LimitReader(s.In, 4096)).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err != nil && err != io.EOF {
			return "", err
		}
		return "", fmt.Errorf("no password: set %s or give it on stdin", env)
	}
	return line, nil
}
