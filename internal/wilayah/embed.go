package wilayah

import (
	_ "embed"
	"fmt"
)

// The embedded files are strings so that names and codes can be sliced out
// of them during parsing; they are never written to.
var (
	//go:embed data/wilayah.csv
	currentCSV string
	//go:embed data/kecamatan_lama.csv
	retiredCSV string
	//go:embed data/LICENSE.wilayah
	licenseText string
)

// Load parses the embedded region list. Each call parses afresh (tens of
// milliseconds), so load once and share the *Tree.
func Load() (*Tree, error) {
	t, err := parse(currentCSV, retiredCSV, true)
	if err != nil {
		return nil, fmt.Errorf("wilayah: embedded data: %w", err)
	}
	return t, nil
}

// LicenseText is the MIT notice of the cahyadsn/wilayah dataset, which must
// accompany the embedded data (e.g. in a "licences" command or page).
func LicenseText() string { return licenseText }
