package record

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// FuzzDecode feeds arbitrary bytes to the record decoder: it must never
// panic, and whatever it accepts must survive a round trip through the
// contract's JSON shape unchanged.
func FuzzDecode(f *testing.F) {
	for _, k := range []string{"ektp", "birth", "death"} {
		data, err := os.ReadFile(filepath.Join("testdata", k+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(k, data)
	}
	f.Add("birth", []byte(`{"witnesses": [{"nik": "1"}, {"name": "x"}]}`))
	f.Add("ektp", []byte(`{"biometrics": {"photo": true}, "rt": 4}`))
	f.Add("death", []byte(`{"informant": null}`))
	regions := loadRegions(f)
	f.Fuzz(func(t *testing.T, kind string, data []byte) {
		spec, err := SpecFor(Kind(kind))
		if err != nil {
			return
		}
		fields, err := spec.Decode(data, regions)
		if err != nil {
			return
		}
		spec.Validate(fields, Env{Regions: regions, Today: today})
		out, err := json.Marshal(spec.JSON(fields))
		if err != nil {
			t.Fatalf("encode accepted fields: %v", err)
		}
		back, err := spec.Decode(out, regions)
		if err != nil {
			t.Fatalf("decode own output %s: %v", out, err)
		}
		if !reflect.DeepEqual(back, fields) {
			t.Fatalf("round trip changed fields:\n got %v\nwant %v", back, fields)
		}
	})
}
