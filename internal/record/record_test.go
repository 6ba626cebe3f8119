package record

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/internal/wilayah"
)

var today = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func loadRegions(t testing.TB) *wilayah.Tree {
	t.Helper()
	tree, err := wilayah.Load()
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// fixture decodes testdata/<kind>.json, a record that passes every rule.
func fixture(t testing.TB, regions Regions, k Kind) (*Spec, Fields) {
	t.Helper()
	spec, err := SpecFor(k)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("testdata", string(k)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := spec.Decode(data, regions)
	if err != nil {
		t.Fatalf("decode %s fixture: %v", k, err)
	}
	return spec, f
}

func TestFixturesAreValid(t *testing.T) {
	regions := loadRegions(t)
	for _, k := range []Kind{KindEKTP, KindBirth, KindDeath} {
		spec, f := fixture(t, regions, k)
		if ps := spec.Validate(f, Env{Regions: regions, Today: today}); len(ps) != 0 {
			t.Errorf("%s fixture has problems: %+v", k, ps)
		}
	}
}

// change is a set of field edits; "" deletes the field.
type change map[string]string

func TestValidate(t *testing.T) {
	regions := loadRegions(t)
	tests := []struct {
		name   string
		kind   Kind
		change change
		// want is "field:code" for each expected problem; empty means valid.
		want []string
	}{
		// KTP-el
		{"woman's NIK day with sex P", KindEKTP, change{}, nil},
		{"man's NIK for a woman", KindEKTP, change{"nik": "6411011203850002"}, []string{"nik:nik_sex_mismatch"}},
		{"woman's NIK for a man", KindEKTP, change{"sex": "L"}, []string{"nik:nik_sex_mismatch"}},
		{"man's NIK and sex L", KindEKTP, change{"nik": "6411011203850002", "sex": "L"}, nil},
		{"NIK date differs from birth date", KindEKTP, change{"birth_date": "1985-03-13"}, []string{"nik:nik_birth_date_mismatch"}},
		{"NIK year differs", KindEKTP, change{"birth_date": "1986-03-12"}, []string{"nik:nik_birth_date_mismatch"}},
		{"serial 0000", KindEKTP, change{"nik": "6411015203850000"}, []string{"nik:nik_serial"}},
		{"day 00", KindEKTP, change{"nik": "6411010003850002"}, []string{"nik:nik_day"}},
		{"day 35", KindEKTP, change{"nik": "6411013503850002"}, []string{"nik:nik_day"}},
		{"31 February in NIK", KindEKTP, change{"nik": "6411017102850002"}, []string{"nik:nik_date"}},
		{"NIK 15 digits", KindEKTP, change{"nik": "641101520385000"}, []string{"nik:nik_length"}},
		{"NIK with a letter", KindEKTP, change{"nik": "64110152038500O2"}, []string{"nik:nik_digits"}},
		{"future birth date", KindEKTP, change{"birth_date": "2027-03-12", "nik": "6411015203270002"}, []string{"birth_date:date_future"}},
		{"birth date not a date", KindEKTP, change{"birth_date": "1985-02-30"}, []string{"birth_date:date_format"}},
		{"birth date in another format", KindEKTP, change{"birth_date": "12-03-1985"}, []string{"birth_date:date_format"}},
		{"unknown district prefix warns", KindEKTP, change{"nik": "9999995203850002"}, []string{"nik:nik_prefix_unknown"}},
		{"retired district prefix (Papua 2022) passes", KindEKTP, change{"nik": "9101015203850002"}, nil},
		{"KK with unknown prefix warns", KindEKTP, change{"kk_number": "9999990101200003"}, []string{"kk_number:nik_prefix_unknown"}},
		{"KK too short", KindEKTP, change{"kk_number": "64110101012000"}, []string{"kk_number:nik_length"}},
		{"apostrophe in name", KindEKTP, change{"full_name": "Ma'ruf Amin"}, nil},
		{"non-ASCII name", KindEKTP, change{"full_name": "Ñoman Gédé Ayu Sàri"}, nil},
		{"non-Latin name", KindEKTP, change{"full_name": "李 小 龙"}, nil},
		{"script tag in name", KindEKTP, change{"full_name": "<script>alert(1)</script>"}, []string{"full_name:name_chars"}},
		{"digits in name", KindEKTP, change{"full_name": "Siti 2"}, []string{"full_name:name_chars"}},
		{"name too long", KindEKTP, change{"full_name": strings.Repeat("a", 101)}, []string{"full_name:too_long"}},
		{"missing name", KindEKTP, change{"full_name": ""}, []string{"full_name:required"}},
		{"missing several", KindEKTP, change{"full_name": "", "occupation": "", "religion": ""}, []string{"full_name:required", "religion:required", "occupation:required"}},
		{"16 and unmarried", KindEKTP, change{"birth_date": "2010-03-12", "nik": "6411015203100002", "marital_status": "belum_kawin"}, []string{"birth_date:ektp_age"}},
		{"16 and married", KindEKTP, change{"birth_date": "2010-03-12", "nik": "6411015203100002", "marital_status": "kawin"}, nil},
		{"17 today", KindEKTP, change{"birth_date": "2009-11-22", "nik": "6411016211090002", "marital_status": "belum_kawin"}, nil},
		{"17 tomorrow", KindEKTP, change{"birth_date": "2009-11-23", "nik": "6411016311090002", "marital_status": "belum_kawin"}, []string{"birth_date:ektp_age"}},
		{"RT with a letter", KindEKTP, change{"rt": "12a"}, []string{"rt:rt_rw_format"}},
		{"control character in address", KindEKTP, change{"address": "Jl. A\u0007"}, []string{"address:text_chars"}},
		// Births
		{"on time birth", KindBirth, change{}, nil},
		{"birth 60 days ago is on time", KindBirth, change{"birth_date": "2026-09-23"}, nil},
		{"birth 61 days ago needs a reason", KindBirth, change{"birth_date": "2026-09-22"}, []string{"late_reason:late_reason_required"}},
		{"late birth with a reason", KindBirth, change{"birth_date": "2026-01-05", "late_reason": "Jalan ke kantor kecamatan terputus banjir"}, nil},
		{"future birth", KindBirth, change{"birth_date": "2026-11-23"}, []string{"birth_date:date_future"}},
		{"mother's NIK is a man's", KindBirth, change{"mother.nik": "6411021506950001"}, []string{"mother.nik:mother_nik_male"}},
		{"mother's NIK date differs", KindBirth, change{"mother.birth_date": "1995-06-16"}, []string{"mother.nik:nik_birth_date_mismatch"}},
		{"father's NIK is a woman's", KindBirth, change{"father.nik": "6411025002900003"}, []string{"father.nik:father_nik_female"}},
		{"father absent", KindBirth, change{"father.nik": "", "father.name": ""}, nil},
		{"father NIK without name", KindBirth, change{"father.name": ""}, []string{"father.name:father_name_required"}},
		{"witness aged 20", KindBirth, change{"witnesses.0.nik": "6411020305060001"}, []string{"witnesses.0.nik:witness_age"}},
		{"witness aged exactly 21", KindBirth, change{"witnesses.0.nik": "6411022211050001"}, nil},
		{"same witness twice", KindBirth, change{"witnesses.1.nik": "6411020305800001"}, []string{"witnesses.1.nik:witness_same"}},
		{"second witness missing", KindBirth, change{"witnesses.1.nik": "", "witnesses.1.name": ""}, []string{"witnesses.1.nik:required", "witnesses.1.name:required"}},
		{"weight 100 g", KindBirth, change{"weight_grams": "100"}, []string{"weight_grams:out_of_range"}},
		{"birth time 25:00", KindBirth, change{"birth_time": "25:00"}, []string{"birth_time:time_format"}},
		{"mother aged 9 warns", KindBirth, change{"mother.birth_date": "2017-06-15", "mother.nik": "6411025506170001"}, []string{"mother.birth_date:mother_age"}},
		{"mother born after the child", KindBirth, change{"mother.birth_date": "2026-11-15", "mother.nik": "6411025511260001"}, []string{"mother.birth_date:mother_born_after_child"}},
		// Deaths
		{"on time death", KindDeath, change{}, nil},
		{"death 31 days ago needs a reason", KindDeath, change{"death_date": "2026-10-22"}, []string{"late_reason:late_reason_required"}},
		{"death 30 days ago is on time", KindDeath, change{"death_date": "2026-10-23"}, nil},
		{"deceased NIK missing", KindDeath, change{"deceased_nik": ""}, []string{"deceased_nik:required"}},
		{"witness is a child", KindDeath, change{"witnesses.1.nik": "6411024708150002"}, []string{"witnesses.1.nik:witness_age"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, f := fixture(t, regions, tt.kind)
			for k, v := range tt.change {
				if v == "" {
					delete(f, k)
				} else {
					f[k] = v
				}
			}
			var got []string
			for _, p := range spec.Validate(f, Env{Regions: regions, Today: today}) {
				got = append(got, p.Field+":"+p.Code)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWarningIsNotAnError(t *testing.T) {
	regions := loadRegions(t)
	spec, f := fixture(t, regions, KindEKTP)
	f["nik"] = "9999995203850002"
	ps := spec.Validate(f, Env{Regions: regions, Today: today})
	if len(ps.Errors()) != 0 || len(ps.Warnings()) != 1 {
		t.Fatalf("want one warning and no errors, got %+v", ps)
	}
}

func TestMessagesInBothLanguages(t *testing.T) {
	regions := loadRegions(t)
	spec, f := fixture(t, regions, KindEKTP)
	f["sex"] = "L"
	ps := spec.Validate(f, Env{Regions: regions, Today: today})
	if len(ps) != 1 {
		t.Fatalf("want 1 problem, got %+v", ps)
	}
	id, en := ps[0].Message(spec, ID), ps[0].Message(spec, EN)
	if id != "NIK: NIK ini milik perempuan, tetapi jenis kelamin diisi laki-laki" {
		t.Errorf("id message = %q", id)
	}
	if en != "NIK: this NIK belongs to a woman, but sex is man" {
		t.Errorf("en message = %q", en)
	}
	for code, txt := range messages {
		if txt.ID == "" || txt.EN == "" || txt.ID == txt.EN {
			t.Errorf("message %s is not translated: %+v", code, txt)
		}
	}
	for _, s := range Specs() {
		for _, fd := range s.Fields {
			if fd.Label.ID == "" || fd.Label.EN == "" {
				t.Errorf("%s.%s has no label in both languages", s.Kind, fd.Path)
			}
		}
	}
}

func TestDecodeRefusals(t *testing.T) {
	regions := loadRegions(t)
	spec, _ := SpecFor(KindBirth)
	tests := []struct {
		name, json, want string
	}{
		{"malformed", `{"child_name": "A",}`, "malformed JSON"},
		{"truncated", `{"child_name": "A"`, "malformed JSON"},
		{"not an object", `["a"]`, "expected a JSON object"},
		{"two objects", `{} {}`, "unexpected data after the record"},
		{"unknown field", `{"child_nam": "A"}`, `field "child_nam": unknown field`},
		{"unknown nested field", `{"mother": {"nikk": "1"}}`, `field "mother.nikk": unknown field`},
		{"group as a value", `{"mother": "Maria"}`, `field "mother": must be an object`},
		{"three witnesses", `{"witnesses": [{}, {}, {}]}`, `field "witnesses": has 3 entries; at most 2`},
		{"unknown code", `{"attendant": "tabib"}`, `unknown code "tabib"`},
		{"unknown village", `{"village_code": "64.11.01.9999"}`, `unknown village code`},
		{"district is not a village", `{"village_code": "64.11.01"}`, `not a village`},
		{"NIK as a number", `{"mother": {"nik": 6411025506950001}}`, `must be a JSON string`},
		{"weight with a fraction", `{"weight_grams": 3100.5}`, `not a whole number`},
		{"weight as text", `{"weight_grams": "berat"}`, `not a whole number`},
		{"too big", `{"late_reason": "` + strings.Repeat("x", MaxRecordJSON) + `"}`, "the limit is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := spec.Decode([]byte(tt.json), regions)
			if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode error = %v, want ErrInput containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
	ektp, _ := SpecFor(KindEKTP)
	if _, err := ektp.Decode([]byte(`{"biometrics": {"photo": "yes"}}`), regions); !errors.Is(err, ErrInput) {
		t.Errorf("bool as string: %v", err)
	}
}

func TestDecodeKeepsDraftValues(t *testing.T) {
	regions := loadRegions(t)
	spec, _ := SpecFor(KindEKTP)
	f, err := spec.Decode([]byte(`{"nik": "12ab", "full_name": "  Ma'ruf   Amin ", "sex": "p", "religion": "Islam", "village_code": "6411012001", "rt": 4}`), regions)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := spec.Decode([]byte(`{"full_name": "A", "biometrics": null}`), regions); err != nil || len(f) != 1 {
		t.Fatalf("null group: %v %v", f, err)
	}
	want := Fields{"nik": "12ab", "full_name": "Ma'ruf Amin", "sex": "P", "religion": "islam", "village_code": "64.11.01.2001", "rt": "4"}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("Decode = %v, want %v", f, want)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	regions := loadRegions(t)
	for _, k := range []Kind{KindEKTP, KindBirth, KindDeath} {
		spec, f := fixture(t, regions, k)
		data, err := jsonMarshal(spec.JSON(f))
		if err != nil {
			t.Fatal(err)
		}
		back, err := spec.Decode(data, regions)
		if err != nil {
			t.Fatalf("%s: decode own JSON: %v\n%s", k, err, data)
		}
		if !reflect.DeepEqual(back, f) {
			t.Errorf("%s: round trip changed fields:\n got %v\nwant %v", k, back, f)
		}
	}
}

func TestParseValue(t *testing.T) {
	regions := loadRegions(t)
	spec, _ := SpecFor(KindBirth)
	tests := []struct{ path, raw, want, err string }{
		{"child_name", " Ma'ruf  ", "Ma'ruf", ""},
		{"weight_grams", "3200", "3200", ""},
		{"weight_grams", "3,2 kg", "", "not a whole number"},
		{"attendant", "BIDAN", "bidan", ""},
		{"attendant", "tabib", "", "unknown code"},
		{"mother.nik", "6411025506950001", "6411025506950001", ""},
		{"witnesses.1.name", "Siti", "Siti", ""},
		{"witnesses.2.name", "Siti", "", "unknown field"},
		{"village_code", "64.11.02.2002", "64.11.02.2002", ""},
		{"village_code", "99.99.99.9999", "", "unknown village"},
		{"late_reason", "", "", ""},
	}
	for _, tt := range tests {
		got, err := spec.ParseValue(tt.path, tt.raw, regions)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseValue(%s, %q) error = %v, want %q", tt.path, tt.raw, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseValue(%s, %q) = %q, %v; want %q", tt.path, tt.raw, got, err, tt.want)
		}
	}
}

func TestStatusMachine(t *testing.T) {
	allowed := [][2]Status{
		{StatusDraft, StatusSubmitted}, {StatusSubmitted, StatusReceived}, {StatusReceived, StatusApproved},
		{StatusReceived, StatusRejected}, {StatusReceived, StatusNeedsCorrection}, {StatusNeedsCorrection, StatusSubmitted},
	}
	refused := [][2]Status{
		{StatusDraft, StatusApproved}, {StatusApproved, StatusDraft}, {StatusRejected, StatusApproved},
		{StatusSubmitted, StatusApproved}, {StatusWithdrawn, StatusDraft}, {StatusApproved, StatusWithdrawn},
	}
	for _, p := range allowed {
		if !CanTransition(p[0], p[1]) {
			t.Errorf("%s -> %s should be allowed", p[0], p[1])
		}
	}
	for _, p := range refused {
		if CanTransition(p[0], p[1]) {
			t.Errorf("%s -> %s should be refused", p[0], p[1])
		}
	}
}

func TestSpecsDefinePersonalFields(t *testing.T) {
	// Names, NIKs, KK numbers, birth dates and addresses are personal data
	// by the definition; a field added without the flag would leak
	// into receipts and logs.
	for _, s := range Specs() {
		for _, f := range s.Fields {
			personal := f.Type == TypeNIK || f.Type == TypeKK || f.Type == TypeName ||
				strings.HasSuffix(f.Path, "birth_date") && s.Kind != KindBirth || f.Path == "address"
			if personal && !f.Personal {
				t.Errorf("%s.%s should be marked personal", s.Kind, f.Path)
			}
		}
	}
}
