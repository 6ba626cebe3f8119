package record

import (
	"fmt"
	"strings"
)

// Type says how a field's value is written and checked.
type Type int

const (
	TypeText    Type = iota // free text, one line
	TypeName                // a person's name: letters, spaces, . , ' -
	TypeNIK                 // 16-digit national identity number
	TypeKK                  // 16-digit family-card number
	TypeDate                // YYYY-MM-DD
	TypeTime                // HH:MM, 24-hour
	TypeEnum                // one of Choices
	TypeInt                 // whole number in [Min, Max]
	TypeBool                // true or false
	TypeVillage             // Kemendagri village code PP.RR.DD.VVVV
	TypeRTRW                // neighbourhood number, 1-3 digits
)

// Choice is one allowed value of an enum field.
type Choice struct {
	Code  string
	Label Text
}

// Field is one leaf of a record: its dotted path (the JSON name), how its
// value is written and checked, and whether it is personal data.
type Field struct {
	Path     string
	Type     Type
	Label    Text
	Required bool
	// Personal fields (names, NIKs, KK numbers, birth dates, addresses) are
	// masked on receipts and in logs, and may be purged from the laptop
	// after approval. The agent encrypts every field at rest regardless.
	Personal bool
	Choices  []Choice
	Min, Max int // TypeInt: the range; text types: Max is the length limit
	// Group names the person or part a field belongs to (the mother, a
	// witness, the biometrics); forms draw one box per group. Zero for the
	// record's own fields.
	Group Text
}

// Spec is the definition of one kind of registration.
type Spec struct {
	Kind   Kind
	Label  Text
	Fields []Field
	// NameField holds the name a list shows for the record.
	NameField string
	byPath    map[string]*Field
}

// Field returns the definition of path.
func (s *Spec) Field(path string) (*Field, bool) {
	f, ok := s.byPath[path]
	return f, ok
}

// Specs returns the definitions of every kind, in menu order.
func Specs() []*Spec { return []*Spec{ektpSpec, birthSpec, deathSpec} }

// SpecFor returns the definition of kind k.
func SpecFor(k Kind) (*Spec, error) {
	for _, s := range Specs() {
		if s.Kind == k {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown kind %q (one of: ektp, birth, death)", k)
}

// Text length limits: generous for real names, tight enough that a pasted
// document is refused.
const (
	maxName  = 100
	maxText  = 200
	maxLong  = 500
	maxPlace = 100
)

var (
	sexChoices = []Choice{{"L", Text{"Laki-laki", "Male"}}, {"P", Text{"Perempuan", "Female"}}}
	bloodTypes = []Choice{{"A", Text{"A", "A"}}, {"B", Text{"B", "B"}}, {"AB", Text{"AB", "AB"}}, {"O", Text{"O", "O"}}, {"-", Text{"Tidak tahu", "Unknown"}}}
	religions  = []Choice{
		{"islam", Text{"Islam", "Islam"}}, {"kristen", Text{"Kristen", "Protestant"}}, {"katolik", Text{"Katolik", "Catholic"}},
		{"hindu", Text{"Hindu", "Hindu"}}, {"buddha", Text{"Buddha", "Buddhist"}}, {"konghucu", Text{"Konghucu", "Confucian"}},
		{"kepercayaan", Text{"Kepercayaan terhadap Tuhan YME", "Indigenous belief"}},
	}
	maritalStatuses = []Choice{
		{"belum_kawin", Text{"Belum kawin", "Not married"}}, {"kawin", Text{"Kawin", "Married"}},
		{"cerai_hidup", Text{"Cerai hidup", "Divorced"}}, {"cerai_mati", Text{"Cerai mati", "Widowed"}},
	}
	citizenships    = []Choice{{"WNI", Text{"WNI", "Indonesian citizen"}}, {"WNA", Text{"WNA", "Foreign national"}}}
	birthPlaces     = []Choice{{"faskes", Text{"Fasilitas kesehatan", "Health facility"}}, {"rumah", Text{"Rumah", "Home"}}, {"lainnya", Text{"Lainnya", "Other"}}}
	birthTypes      = []Choice{{"tunggal", Text{"Tunggal", "Single"}}, {"kembar_2", Text{"Kembar 2", "Twins"}}, {"kembar_3", Text{"Kembar 3", "Triplets"}}, {"lainnya", Text{"Lainnya", "Other"}}}
	attendants      = []Choice{{"dokter", Text{"Dokter", "Doctor"}}, {"bidan", Text{"Bidan", "Midwife"}}, {"perawat", Text{"Perawat", "Nurse"}}, {"dukun", Text{"Dukun bayi", "Traditional birth attendant"}}, {"lainnya", Text{"Lainnya", "Other"}}}
	deathCauses     = []Choice{{"sakit", Text{"Sakit", "Illness"}}, {"kecelakaan", Text{"Kecelakaan", "Accident"}}, {"wabah", Text{"Wabah", "Outbreak"}}, {"lainnya", Text{"Lainnya", "Other"}}}
	determinedBy    = []Choice{{"dokter", Text{"Dokter", "Doctor"}}, {"tenaga_kesehatan", Text{"Tenaga kesehatan", "Health worker"}}, {"polisi", Text{"Polisi", "Police"}}, {"kepala_desa", Text{"Kepala desa", "Village head"}}, {"lainnya", Text{"Lainnya", "Other"}}}
	biometricsGroup = Text{"Biometrik", "Biometrics"}
	marriedChoices  = map[string]bool{"kawin": true, "cerai_hidup": true, "cerai_mati": true}
)

// person returns the fields of a person referred to on a record (mother,
// informant, witness): NIK and name, plus extras.
func person(prefix string, label Text, required bool, extra ...Field) []Field {
	fs := []Field{
		{Path: prefix + ".nik", Type: TypeNIK, Label: Text{"NIK " + label.ID, label.EN + "'s NIK"}, Required: required, Personal: true},
		{Path: prefix + ".name", Type: TypeName, Label: Text{"Nama " + label.ID, label.EN + "'s name"}, Required: required, Personal: true, Max: maxName},
	}
	for _, f := range extra {
		f.Path = prefix + "." + f.Path
		fs = append(fs, f)
	}
	group := Text{strings.ToUpper(label.ID[:1]) + label.ID[1:], label.EN}
	for i := range fs {
		fs[i].Group = group
	}
	return fs
}

func witnesses() []Field {
	var fs []Field
	for i, l := range []Text{{"saksi 1", "Witness 1"}, {"saksi 2", "Witness 2"}} {
		fs = append(fs, person(fmt.Sprintf("witnesses.%d", i), l, true)...)
	}
	return fs
}

func informant() []Field {
	return person("informant", Text{"pelapor", "Informant"}, true,
		Field{Path: "relation", Type: TypeText, Label: Text{"Hubungan pelapor", "Informant's relation"}, Required: true, Max: 50})
}

func concat(groups ...[]Field) []Field {
	var out []Field
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

var ektpSpec = newSpec(Kind(KindEKTP), Text{"Perekaman KTP-el", "KTP-el enrolment"}, "full_name", []Field{
	{Path: "nik", Type: TypeNIK, Label: Text{"NIK", "NIK"}, Required: true, Personal: true},
	{Path: "kk_number", Type: TypeKK, Label: Text{"Nomor KK", "Family card number"}, Required: true, Personal: true},
	{Path: "full_name", Type: TypeName, Label: Text{"Nama lengkap", "Full name"}, Required: true, Personal: true, Max: maxName},
	{Path: "birth_place", Type: TypeText, Label: Text{"Tempat lahir", "Place of birth"}, Required: true, Personal: true, Max: maxPlace},
	{Path: "birth_date", Type: TypeDate, Label: Text{"Tanggal lahir", "Date of birth"}, Required: true, Personal: true},
	{Path: "sex", Type: TypeEnum, Label: Text{"Jenis kelamin", "Sex"}, Required: true, Choices: sexChoices},
	{Path: "blood_type", Type: TypeEnum, Label: Text{"Golongan darah", "Blood type"}, Required: true, Choices: bloodTypes},
	{Path: "address", Type: TypeText, Label: Text{"Alamat", "Street address"}, Required: true, Personal: true, Max: maxText},
	{Path: "rt", Type: TypeRTRW, Label: Text{"RT", "RT (neighbourhood)"}, Personal: true},
	{Path: "rw", Type: TypeRTRW, Label: Text{"RW", "RW (hamlet)"}, Personal: true},
	{Path: "village_code", Type: TypeVillage, Label: Text{"Kode desa/kelurahan", "Village code"}, Required: true},
	{Path: "religion", Type: TypeEnum, Label: Text{"Agama/kepercayaan", "Religion or belief"}, Required: true, Choices: religions},
	{Path: "marital_status", Type: TypeEnum, Label: Text{"Status perkawinan", "Marital status"}, Required: true, Choices: maritalStatuses},
	{Path: "occupation", Type: TypeText, Label: Text{"Pekerjaan", "Occupation"}, Required: true, Max: maxPlace},
	{Path: "citizenship", Type: TypeEnum, Label: Text{"Kewarganegaraan", "Citizenship"}, Required: true, Choices: citizenships},
	{Path: "biometrics.photo", Type: TypeBool, Label: Text{"Foto diambil", "Photo taken"}, Group: biometricsGroup},
	{Path: "biometrics.fingerprints", Type: TypeBool, Label: Text{"Sidik jari diambil", "Fingerprints taken"}, Group: biometricsGroup},
	{Path: "biometrics.iris", Type: TypeBool, Label: Text{"Iris diambil", "Iris scanned"}, Group: biometricsGroup},
	{Path: "biometrics.signature", Type: TypeBool, Label: Text{"Tanda tangan diambil", "Signature taken"}, Group: biometricsGroup},
})

var birthSpec = newSpec(Kind(KindBirth), Text{"Pencatatan kelahiran", "Birth registration"}, "child_name", concat([]Field{
	{Path: "child_name", Type: TypeName, Label: Text{"Nama anak", "Child's name"}, Required: true, Personal: true, Max: maxName},
	{Path: "sex", Type: TypeEnum, Label: Text{"Jenis kelamin", "Sex"}, Required: true, Choices: sexChoices},
	{Path: "birth_date", Type: TypeDate, Label: Text{"Tanggal lahir", "Date of birth"}, Required: true, Personal: true},
	{Path: "birth_time", Type: TypeTime, Label: Text{"Jam lahir", "Time of birth"}},
	{Path: "birth_place_type", Type: TypeEnum, Label: Text{"Tempat kelahiran", "Place of birth"}, Required: true, Choices: birthPlaces},
	{Path: "village_code", Type: TypeVillage, Label: Text{"Kode desa/kelurahan", "Village code"}, Required: true},
	{Path: "birth_type", Type: TypeEnum, Label: Text{"Jenis kelahiran", "Type of birth"}, Required: true, Choices: birthTypes},
	{Path: "birth_order", Type: TypeInt, Label: Text{"Kelahiran ke-", "Birth order"}, Required: true, Min: 1, Max: 30},
	{Path: "weight_grams", Type: TypeInt, Label: Text{"Berat (gram)", "Weight (g)"}, Min: 300, Max: 8000},
	{Path: "length_cm", Type: TypeInt, Label: Text{"Panjang (cm)", "Length (cm)"}, Min: 20, Max: 70},
	{Path: "attendant", Type: TypeEnum, Label: Text{"Penolong kelahiran", "Birth attendant"}, Required: true, Choices: attendants},
},
	person("mother", Text{"ibu", "Mother"}, true,
		Field{Path: "birth_date", Type: TypeDate, Label: Text{"Tanggal lahir ibu", "Mother's date of birth"}, Required: true, Personal: true}),
	person("father", Text{"ayah", "Father"}, false),
	[]Field{{Path: "kk_number", Type: TypeKK, Label: Text{"Nomor KK", "Family card number"}, Required: true, Personal: true}},
	informant(),
	witnesses(),
	[]Field{{Path: "late_reason", Type: TypeText, Label: Text{"Alasan terlambat", "Reason for late registration"}, Max: maxLong}},
))

var deathSpec = newSpec(Kind(KindDeath), Text{"Pencatatan kematian", "Death registration"}, "deceased_name", concat([]Field{
	{Path: "deceased_nik", Type: TypeNIK, Label: Text{"NIK almarhum/ah", "Deceased's NIK"}, Required: true, Personal: true},
	{Path: "deceased_name", Type: TypeName, Label: Text{"Nama almarhum/ah", "Deceased's name"}, Required: true, Personal: true, Max: maxName},
	{Path: "death_date", Type: TypeDate, Label: Text{"Tanggal kematian", "Date of death"}, Required: true},
	{Path: "death_place", Type: TypeText, Label: Text{"Tempat kematian", "Place of death"}, Required: true, Max: maxPlace},
	{Path: "village_code", Type: TypeVillage, Label: Text{"Kode desa/kelurahan", "Village code"}, Required: true},
	{Path: "cause", Type: TypeEnum, Label: Text{"Sebab kematian", "Cause of death"}, Required: true, Choices: deathCauses},
	{Path: "determined_by", Type: TypeEnum, Label: Text{"Yang menerangkan", "Determined by"}, Required: true, Choices: determinedBy},
	{Path: "kk_number", Type: TypeKK, Label: Text{"Nomor KK", "Family card number"}, Required: true, Personal: true},
},
	informant(),
	witnesses(),
	[]Field{{Path: "late_reason", Type: TypeText, Label: Text{"Alasan terlambat", "Reason for late registration"}, Max: maxLong}},
))

func newSpec(k Kind, label Text, nameField string, fields []Field) *Spec {
	s := &Spec{Kind: k, Label: label, Fields: fields, NameField: nameField, byPath: map[string]*Field{}}
	for i := range s.Fields {
		f := &s.Fields[i]
		if _, dup := s.byPath[f.Path]; dup {
			panic("record: duplicate field " + f.Path) // a programming error in this file
		}
		s.byPath[f.Path] = f
	}
	return s
}

// choiceCodes lists a field's codes for messages: "L, P".
func (f *Field) choiceCodes() string {
	codes := make([]string, len(f.Choices))
	for i, c := range f.Choices {
		codes[i] = c.Code
	}
	return strings.Join(codes, ", ")
}

func (f *Field) hasChoice(code string) bool {
	for _, c := range f.Choices {
		if c.Code == code {
			return true
		}
	}
	return false
}
