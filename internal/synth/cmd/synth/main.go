// Command synth prints synthetic, valid records as JSON Lines in the
// record contract's shape, for the demo and for load tests:
//
//	go run ./internal/synth/cmd/synth -kind birth -n 20 -region 64.11
//
// -kind roster prints a resident roster CSV instead (internal/roster), for
// `jemput-hub roster import`:
//
//	go run ./internal/synth/cmd/synth -kind roster -n 2000 > roster.csv
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/roster"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/wilayah"
)

func main() {
	kind := flag.String("kind", "ektp", "ektp, birth, death, or roster (a resident roster CSV)")
	n := flag.Int("n", 10, "number of records")
	seed := flag.Int64("seed", 1, "random seed (same seed, same records)")
	region := flag.String("region", "64.11", "region code whose villages are used (default Mahakam Ulu)")
	flag.Parse()
	if err := run(record.Kind(*kind), *n, *seed, *region); err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
}

func run(kind record.Kind, n int, seed int64, region string) error {
	tree, err := wilayah.Load()
	if err != nil {
		return err
	}
	villages := synth.Villages(tree, region)
	if len(villages) == 0 {
		return fmt.Errorf("no villages under %s", region)
	}
	g := synth.New(seed, time.Now(), villages)
	if kind == "roster" {
		w := bufio.NewWriter(os.Stdout)
		if err := roster.Write(w, g.Roster(n)); err != nil {
			return err
		}
		return w.Flush()
	}
	spec, err := record.SpecFor(kind)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	for i := 0; i < n; i++ {
		if err := enc.Encode(spec.JSON(g.Record(kind))); err != nil {
			return err
		}
	}
	return nil
}
