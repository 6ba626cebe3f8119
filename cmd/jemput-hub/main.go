// Command jemput-hub is the central server: it will receive synced records,
// let operators review them and supervisors watch coverage. This version
// only prints its help: ingest and review arrive with the sync work.
package main

import (
	"fmt"
	"io"
	"os"
)

const help = `jemput-hub: the central Jemput server (sync API, review, coverage).

Not available in this version yet: the hub arrives with sync. The field side
(jemput-agent: record, edit, submit, list, show, status) works offline today.
See README.md.
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, help)
		return 0
	}
	fmt.Fprintf(stderr, "jemput-hub: %q is not available in this version yet (see jemput-hub --help)\n", args[0])
	return 2
}
