// Package synth makes realistic, valid registration records for the demo,
// the crash tests and the benchmarks: people of Mahakam Ulu (or any list of
// villages) with NIKs that agree with their birth dates, sex and district.
// It is deterministic for a seed, so a benchmark measures the same batch
// every time.
package synth

import (
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/roster"
	"github.com/jemputbola/jemput/internal/wilayah"
)

// Villages lists the village codes under region ("" for all), in code order.
func Villages(tree *wilayah.Tree, region string) []string {
	var out []string
	var walk func(code string)
	walk = func(code string) {
		for _, c := range tree.Children(code) {
			switch {
			case c.Level == wilayah.Village:
				out = append(out, c.Code)
			case strings.HasPrefix(c.Code, region) || strings.HasPrefix(region, c.Code):
				walk(c.Code)
			}
		}
	}
	walk("")
	return out
}

// Gen generates records. It is not safe for concurrent use.
type Gen struct {
	rng      *rand.Rand
	today    time.Time
	villages []string
	serial   int
}

// New returns a generator for the given villages (canonical codes), with
// dates judged against today.
func New(seed int64, today time.Time, villages []string) *Gen {
	if len(villages) == 0 {
		panic("synth: no villages")
	}
	return &Gen{rng: rand.New(rand.NewSource(seed)), today: today, villages: villages}
}

var (
	givenMale   = []string{"Yohanes", "Petrus", "Stefanus", "Ignatius", "Agustinus", "Paulus", "Yakobus", "Antonius", "Ahmad", "Muhammad", "Ma'ruf", "Benediktus", "Fransiskus", "Lukas", "Markus"}
	givenFemale = []string{"Maria", "Theresia", "Veronika", "Lusia", "Siti", "Agnes", "Yuliana", "Katarina", "Nur'aini", "Elisabet", "Monika", "Anastasia", "Rosalia"}
	families    = []string{"Lawing", "Hulau", "Ding", "Bulan", "Lenjau", "Hangin", "Ajang", "Batoq", "Lejiu", "Ngau", "Taman", "Anyeq", "Belawan", "Hibau", "Jalung", "Uyang"}
	occupations = []string{"Petani", "Nelayan", "Pelajar/Mahasiswa", "Mengurus rumah tangga", "Wiraswasta", "Guru", "Perangkat desa", "Buruh harian lepas"}
	religions   = []string{"katolik", "katolik", "kristen", "kristen", "islam", "kepercayaan"}
	blood       = []string{"A", "B", "AB", "O", "-", "-"}
	relations   = []string{"ayah", "ibu", "kakek", "nenek", "paman", "anak", "saudara"}
	places      = []string{"Rumah", "Puskesmas Long Bagun", "Rumah duka", "Ladang", "Perjalanan di sungai Mahakam"}
)

func (g *Gen) pick(list []string) string { return list[g.rng.Intn(len(list))] }

// person is someone with a NIK consistent with their birth date and sex.
type person struct {
	nik, name, sex string
	birth          time.Time
}

func (g *Gen) person(village string, minAge, maxAge int, female bool) person {
	// minAge calendar years back, then some days more: 365-day years would
	// miss the leap days and make a "17-year-old" 16 around the birthday.
	birth := g.today.AddDate(-minAge, 0, -(g.rng.Intn((maxAge-minAge)*365+1) + 1))
	p := person{birth: birth, sex: "L"}
	given := g.pick(givenMale)
	day := birth.Day()
	if female {
		p.sex, given, day = "P", g.pick(givenFemale), day+40
	}
	p.name = given + " " + g.pick(families)
	g.serial = g.serial%9999 + 1
	p.nik = fmt.Sprintf("%s%02d%02d%02d%04d", districtDigits(village), day, int(birth.Month()), birth.Year()%100, g.serial)
	return p
}

func districtDigits(village string) string {
	return village[0:2] + village[3:5] + village[6:8]
}

func (g *Gen) kk(village string) string {
	d := g.today.AddDate(0, 0, -g.rng.Intn(3650))
	g.serial = g.serial%9999 + 1
	return fmt.Sprintf("%s%02d%02d%02d%04d", districtDigits(village), d.Day(), int(d.Month()), d.Year()%100, g.serial)
}

func date(t time.Time) string { return t.Format("2006-01-02") }

// Record returns a valid record of kind k.
func (g *Gen) Record(k record.Kind) record.Fields {
	switch k {
	case record.KindBirth:
		return g.Birth()
	case record.KindDeath:
		return g.Death()
	}
	return g.EKTP()
}

// EKTP is a KTP-el enrolment of a resident aged 17 to 80.
func (g *Gen) EKTP() record.Fields {
	v := g.pick(g.villages)
	p := g.person(v, 17, 80, g.rng.Intn(2) == 0)
	marital := "belum_kawin"
	if g.today.Year()-p.birth.Year() > 22 {
		marital = []string{"kawin", "kawin", "kawin", "cerai_mati", "belum_kawin"}[g.rng.Intn(5)]
	}
	return record.Fields{
		"nik": p.nik, "kk_number": g.kk(v), "full_name": p.name, "birth_place": "Long Bagun",
		"birth_date": date(p.birth), "sex": p.sex, "blood_type": g.pick(blood),
		"address": fmt.Sprintf("Jl. Poros Kampung No. %d", 1+g.rng.Intn(120)),
		"rt":      fmt.Sprintf("%03d", 1+g.rng.Intn(12)), "rw": fmt.Sprintf("%03d", 1+g.rng.Intn(4)),
		"village_code": v, "religion": g.pick(religions), "marital_status": marital,
		"occupation": g.pick(occupations), "citizenship": "WNI",
		"biometrics.photo": "true", "biometrics.fingerprints": "true", "biometrics.iris": "true", "biometrics.signature": "true",
	}
}

// Birth is a birth registered 1 to 90 days after it happened (late ones
// carry a reason).
func (g *Gen) Birth() record.Fields {
	v := g.pick(g.villages)
	age := 1 + g.rng.Intn(90)
	born := g.today.AddDate(0, 0, -age)
	mother := g.person(v, 19, 40, true)
	father := g.person(v, 21, 50, false)
	w1, w2 := g.person(v, 25, 70, false), g.person(v, 25, 70, true)
	sex := "L"
	name := g.pick(givenMale)
	if g.rng.Intn(2) == 0 {
		sex, name = "P", g.pick(givenFemale)
	}
	f := record.Fields{
		"child_name": name + " " + father.name[len(father.name)-len(lastWord(father.name)):], "sex": sex,
		"birth_date": date(born), "birth_time": fmt.Sprintf("%02d:%02d", g.rng.Intn(24), g.rng.Intn(60)),
		"birth_place_type": []string{"faskes", "rumah", "rumah"}[g.rng.Intn(3)], "village_code": v,
		"birth_type": "tunggal", "birth_order": fmt.Sprint(1 + g.rng.Intn(5)),
		"weight_grams": fmt.Sprint(2500 + g.rng.Intn(1500)), "length_cm": fmt.Sprint(45 + g.rng.Intn(8)),
		"attendant":  []string{"bidan", "bidan", "dukun", "perawat", "dokter"}[g.rng.Intn(5)],
		"mother.nik": mother.nik, "mother.name": mother.name, "mother.birth_date": date(mother.birth),
		"father.nik": father.nik, "father.name": father.name,
		"kk_number":     g.kk(v),
		"informant.nik": father.nik, "informant.name": father.name, "informant.relation": "ayah",
		"witnesses.0.nik": w1.nik, "witnesses.0.name": w1.name,
		"witnesses.1.nik": w2.nik, "witnesses.1.name": w2.name,
	}
	if age > record.BirthWindowDays {
		f["late_reason"] = "Petugas jemput bola baru tiba di kampung; sungai tidak bisa dilalui"
	}
	return f
}

// Death is a death registered 1 to 45 days after it happened.
func (g *Gen) Death() record.Fields {
	v := g.pick(g.villages)
	days := 1 + g.rng.Intn(45)
	died := g.today.AddDate(0, 0, -days)
	d := g.person(v, 40, 95, g.rng.Intn(2) == 0)
	inf := g.person(v, 21, 60, false)
	w1, w2 := g.person(v, 25, 70, false), g.person(v, 25, 70, true)
	f := record.Fields{
		"deceased_nik": d.nik, "deceased_name": d.name, "death_date": date(died), "death_place": g.pick(places),
		"village_code": v, "cause": []string{"sakit", "sakit", "sakit", "kecelakaan", "lainnya"}[g.rng.Intn(5)],
		"determined_by": []string{"tenaga_kesehatan", "kepala_desa", "dokter"}[g.rng.Intn(3)],
		"kk_number":     g.kk(v),
		"informant.nik": inf.nik, "informant.name": inf.name, "informant.relation": g.pick(relations),
		"witnesses.0.nik": w1.nik, "witnesses.0.name": w1.name,
		"witnesses.1.nik": w2.nik, "witnesses.1.name": w2.name,
	}
	if days > record.DeathWindowDays {
		f["late_reason"] = "Keluarga tinggal di ladang jauh dari kampung"
	}
	return f
}

func lastWord(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ' ' {
			return s[i+1:]
		}
	}
	return s
}

// Roster is n residents of the generator's villages for a roster file
// (internal/roster), in households that share a family card and a village:
// two parents and up to four children, or someone living alone. About one
// resident of 17 or older in eight has no KTP-el yet and one child in four
// no birth certificate, roughly where remote regencies stand. NIKs agree
// with birth dates and sex, and are unique.
func (g *Gen) Roster(n int) []roster.Resident {
	out := make([]roster.Resident, 0, n)
	seen := make(map[string]bool, n)
	add := func(p person, v, kk string, minor bool) {
		if len(out) == n || seen[p.nik] {
			return
		}
		seen[p.nik] = true
		r := roster.Resident{NIK: p.nik, KKNumber: kk, Name: p.name, Sex: p.sex, Birth: date(p.birth), Village: v}
		adult := roster.Age(p.birth, g.today) >= record.EKTPMinAge
		r.HasKTPEl = adult && g.rng.Intn(8) != 0
		r.HasBirthCert = g.rng.Intn(4) != 0
		if !minor && !r.HasBirthCert {
			r.HasBirthCert = g.rng.Intn(2) == 0 // adults: older ones often have none
		}
		out = append(out, r)
	}
	for len(out) < n {
		v := g.pick(g.villages)
		kk := g.kk(v)
		if g.rng.Intn(7) == 0 {
			add(g.person(v, 17, 80, g.rng.Intn(2) == 0), v, kk, false)
			continue
		}
		father := g.person(v, 22, 65, false)
		add(father, v, kk, false)
		add(g.person(v, 20, 55, true), v, kk, false)
		family := lastWord(father.name)
		for range g.rng.Intn(5) {
			c := g.person(v, 0, 20, g.rng.Intn(2) == 0)
			c.name = c.name[:len(c.name)-len(lastWord(c.name))] + family
			add(c, v, kk, true)
		}
	}
	return out
}
