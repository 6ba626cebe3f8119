// Command synth prints synthetic, valid records as JSON Lines in the
// record contract's shape, for the demo and for load tests:
//
//	go run ./internal/synth/cmd/synth -kind birth -n 20 -region 64.11
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/synth"
	"github.com/jemputbola/jemput/internal/wilayah"
)

func main() {
	kind := flag.String("kind", "ektp", "ektp, birth or death")
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
	spec, err := record.SpecFor(kind)
	if err != nil {
		return err
	}
	tree, err := wilayah.Load()
	if err != nil {
		return err
	}
	villages := synth.Villages(tree, region)
	if len(villages) == 0 {
		return fmt.Errorf("no villages under %s", region)
	}
	g := synth.New(seed, time.Now(), villages)
	enc := json.NewEncoder(os.Stdout)
	for i := 0; i < n; i++ {
		if err := enc.Encode(spec.JSON(g.Record(kind))); err != nil {
			return err
		}
	}
	return nil
}
