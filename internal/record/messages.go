package record

import (
	"sort"
	"strings"
)

// Severity separates what blocks a submit from what the officer confirms.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning" // submit needs the officer's confirmation
)

// Problem is one finding of validation, tied to a field (or to the whole
// record when Field is ""). Code is stable and machine-readable; Message
// renders it for people.
type Problem struct {
	Field    string            `json:"field,omitempty"`
	Code     string            `json:"code"`
	Severity Severity          `json:"severity"`
	Args     map[string]string `json:"args,omitempty"`
}

// Problem codes. They are a contract (scripts branch on them): add, never
// rename.
const (
	CodeRequired      = "required"
	CodeTooLong       = "too_long"
	CodeNameChars     = "name_chars"
	CodeTextChars     = "text_chars"
	CodeDateFormat    = "date_format"
	CodeDateFuture    = "date_future"
	CodeDateTooOld    = "date_too_old"
	CodeTimeFormat    = "time_format"
	CodeRange         = "out_of_range"
	CodeRTRW          = "rt_rw_format"
	CodeNIKLength     = "nik_length"
	CodeNIKDigits     = "nik_digits"
	CodeNIKDay        = "nik_day"
	CodeNIKDate       = "nik_date"
	CodeNIKSerial     = "nik_serial"
	CodeNIKPrefix     = "nik_prefix_unknown"
	CodeNIKBirthDate  = "nik_birth_date_mismatch"
	CodeNIKSex        = "nik_sex_mismatch"
	CodeMotherSex     = "mother_nik_male"
	CodeFatherSex     = "father_nik_female"
	CodeEKTPAge       = "ektp_age"
	CodeLateReason    = "late_reason_required"
	CodeWitnessAge    = "witness_age"
	CodeWitnessSame   = "witness_same"
	CodeMotherAge     = "mother_age"
	CodeFatherName    = "father_name_required"
	CodeChoice        = "unknown_choice"
	CodeMotherYounger = "mother_born_after_child"
	CodeVillage       = "village_unknown"
)

var messages = map[string]Text{
	CodeRequired:      {"wajib diisi", "is required"},
	CodeTooLong:       {"terlalu panjang: {len} karakter, paling banyak {max}", "is too long: {len} characters, at most {max}"},
	CodeNameChars:     {"hanya boleh berisi huruf, spasi, titik, koma, tanda petik (') dan tanda hubung (-); ditemukan {char}", "may contain only letters, spaces, full stops, commas, apostrophes (') and hyphens (-); found {char}"},
	CodeTextChars:     {"berisi karakter yang tidak bisa dicetak ({char})", "contains a character that cannot be printed ({char})"},
	CodeDateFormat:    {"harus berupa tanggal TTTT-BB-HH yang ada, misalnya 2024-03-17 (tertulis {value})", "must be a real date written YYYY-MM-DD, e.g. 2024-03-17 (got {value})"},
	CodeDateFuture:    {"tidak boleh sesudah hari ini ({today})", "cannot be after today ({today})"},
	CodeDateTooOld:    {"tidak mungkin sebelum tahun 1900", "cannot be before 1900"},
	CodeTimeFormat:    {"harus berupa jam JJ:MM (00:00-23:59), misalnya 14:05", "must be a time HH:MM (00:00-23:59), e.g. 14:05"},
	CodeRange:         {"harus antara {min} dan {max}", "must be between {min} and {max}"},
	CodeRTRW:          {"harus 1 sampai 3 angka, misalnya 004", "must be 1 to 3 digits, e.g. 004"},
	CodeNIKLength:     {"harus 16 angka (tertulis {len})", "must be 16 digits (got {len})"},
	CodeNIKDigits:     {"hanya boleh berisi angka 0-9", "may contain only the digits 0-9"},
	CodeNIKDay:        {"angka ke-7 dan ke-8 (tanggal lahir) harus 01-31 untuk laki-laki atau 41-71 untuk perempuan", "digits 7-8 (day of birth) must be 01-31 for men or 41-71 for women"},
	CodeNIKDate:       {"tanggal lahir di dalam NIK (angka ke-7 sampai 12) bukan tanggal yang ada", "the birth date inside the NIK (digits 7-12) is not a real date"},
	CodeNIKSerial:     {"nomor urut (4 angka terakhir) tidak boleh 0000", "the serial (last 4 digits) cannot be 0000"},
	CodeNIKPrefix:     {"kode kecamatan {code} tidak ada di daftar wilayah sekarang maupun daftar lama; periksa lagi, lalu konfirmasi bila memang benar", "district code {code} is in neither the current nor the earlier region lists; check it, then confirm if it is right"},
	CodeNIKBirthDate:  {"tanggal lahir di dalam NIK ({nik_date}) tidak sama dengan tanggal lahir yang diisi ({date})", "the birth date inside the NIK ({nik_date}) does not match the date of birth given ({date})"},
	CodeNIKSex:        {"NIK ini milik {nik_sex}, tetapi jenis kelamin diisi {sex}", "this NIK belongs to a {nik_sex}, but sex is {sex}"},
	CodeMotherSex:     {"NIK ini milik laki-laki (tanggal 01-31), bukan NIK ibu", "this is a man's NIK (day 01-31), not the mother's"},
	CodeFatherSex:     {"NIK ini milik perempuan (tanggal 41-71), bukan NIK ayah", "this is a woman's NIK (day 41-71), not the father's"},
	CodeEKTPAge:       {"KTP-el hanya untuk penduduk berumur 17 tahun ke atas atau yang sudah/pernah kawin (umur {age} tahun, {marital})", "KTP-el is only for residents aged 17 or over, or married (aged {age}, {marital})"},
	CodeLateReason:    {"wajib diisi: pencatatan {days} hari setelah kejadian, lewat dari batas {limit} hari", "is required: registered {days} days after the event, past the {limit}-day limit"},
	CodeWitnessAge:    {"saksi harus berumur 21 tahun ke atas; menurut NIK umurnya {age} tahun", "a witness must be aged 21 or over; by the NIK they are {age}"},
	CodeWitnessSame:   {"saksi 2 tidak boleh orang yang sama dengan saksi 1", "witness 2 cannot be the same person as witness 1"},
	CodeMotherAge:     {"umur ibu saat melahirkan {age} tahun; periksa tanggal lahir ibu dan anak", "the mother was {age} at the birth; check both birth dates"},
	CodeFatherName:    {"wajib diisi bila NIK ayah diisi", "is required when the father's NIK is given"},
	CodeMotherYounger: {"tanggal lahir ibu tidak boleh sama dengan atau sesudah tanggal lahir anak", "the mother's birth date cannot be on or after the child's"},
	CodeChoice:        {"pilihan {value} tidak dikenal; pilih salah satu: {choices}", "unknown choice {value}; pick one of: {choices}"},
	CodeVillage:       {"kode {code} bukan kode desa/kelurahan di daftar Kemendagri", "{code} is not a village code in the Kemendagri list"},
}

// words translates argument values written "@group:code", so that messages
// never mix languages.
var words = map[string]Text{
	"sex:L":               {"laki-laki", "man"},
	"sex:P":               {"perempuan", "woman"},
	"marital:":            {"status perkawinan belum diisi", "marital status not given"},
	"marital:belum_kawin": {"belum kawin", "not married"},
	"marital:kawin":       {"kawin", "married"},
	"marital:cerai_hidup": {"cerai hidup", "divorced"},
	"marital:cerai_mati":  {"cerai mati", "widowed"},
}

// Text renders the problem's sentence without the field label, for a form
// that shows it next to the field.
func (p Problem) Text(lang Lang) string {
	t, ok := messages[p.Code]
	if !ok {
		return p.Code
	}
	s := t.In(lang)
	if len(p.Args) > 0 {
		pairs := make([]string, 0, 2*len(p.Args))
		for k, v := range p.Args {
			if w, ok := words[strings.TrimPrefix(v, "@")]; ok && strings.HasPrefix(v, "@") {
				v = w.In(lang)
			}
			pairs = append(pairs, "{"+k+"}", v)
		}
		s = strings.NewReplacer(pairs...).Replace(s)
	}
	return s
}

// Message renders the problem with its field label, for a list of problems.
func (p Problem) Message(spec *Spec, lang Lang) string {
	if p.Field == "" {
		return p.Text(lang)
	}
	label := p.Field
	if f, ok := spec.Field(p.Field); ok {
		label = f.Label.In(lang)
	}
	return label + ": " + p.Text(lang)
}

// Problems is the result of validation, in form order.
type Problems []Problem

// Errors returns the problems that block a submit.
func (ps Problems) Errors() Problems { return ps.filter(SeverityError) }

// Warnings returns the problems the officer must confirm.
func (ps Problems) Warnings() Problems { return ps.filter(SeverityWarning) }

func (ps Problems) filter(s Severity) Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

// ForField returns the problems of one field.
func (ps Problems) ForField(path string) Problems {
	var out Problems
	for _, p := range ps {
		if p.Field == path {
			out = append(out, p)
		}
	}
	return out
}

// sortByForm orders problems as the fields appear on the form.
func (ps Problems) sortByForm(spec *Spec) {
	pos := map[string]int{}
	for i, f := range spec.Fields {
		pos[f.Path] = i
	}
	sort.SliceStable(ps, func(i, j int) bool { return pos[ps[i].Field] < pos[ps[j].Field] })
}
