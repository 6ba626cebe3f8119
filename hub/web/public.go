package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/tracking"
	"github.com/jemputbola/jemput/internal/webkit"
)

// The resident's pages need no login and show no personal data: only a
// record's status, found by the tracking code on the receipt.

type statusData struct {
	pageData
	Code, Answer, Bring, Class string
}

// statusLookups bounds lookups per address: codes have 55 random bits, and
// a limit keeps anyone from walking them.
const statusLookups = 20

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	l := webkit.Lang(r)
	d := statusData{pageData: pageData{Lang: l, Title: webkit.Pick(l, "Cek status", "Check status")}, Code: strings.TrimSpace(r.URL.Query().Get("kode"))}
	if d.Code == "" {
		s.page(w, r, http.StatusOK, "status.html", d)
		return
	}
	key := "status:" + clientAddr(r)
	if !s.lookups.take(key) { // every lookup counts
		d.Error = webkit.Pick(l, "Terlalu banyak pengecekan. Coba lagi beberapa menit lagi.", "Too many checks. Try again in a few minutes.")
		s.page(w, r, http.StatusTooManyRequests, "status.html", d)
		return
	}
	code, err := tracking.Parse(d.Code)
	if err != nil {
		d.Answer, d.Class = webkit.Pick(l, "Kode tidak valid: periksa lagi huruf dan angkanya.", "That code is not valid: check its letters and digits."), "error"
		s.page(w, r, http.StatusOK, "status.html", d)
		return
	}
	d.Code = code.String()
	rec, err := s.hub.Find(r.Context(), string(code))
	if errors.Is(err, hub.ErrNotFound) {
		d.Answer = webkit.Pick(l, "Kode ini belum sampai di kantor Disdukcapil. Petugas mungkin belum mengirim datanya; coba lagi beberapa hari lagi.",
			"This code has not reached the office yet. The officer may not have sent it; try again in a few days.")
		d.Class = "card"
		s.page(w, r, http.StatusOK, "status.html", d)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Answer, d.Bring, d.Class = residentStatus(rec, l)
	s.page(w, r, http.StatusOK, "status.html", d)
}

// residentStatus is a status in a resident's words, and what to bring.
// The reason an operator wrote is not shown: it may name people.
func residentStatus(rec hub.Record, l string) (answer, bring, class string) {
	switch rec.State.Status {
	case record.StatusApproved:
		return webkit.Pick(l, "Disetujui. Dokumen Anda sudah terdaftar.", "Approved. Your document is registered."),
			webkit.Pick(l, "Ambil di kantor Disdukcapil atau kecamatan; bawa tanda terima ini dan KTP-el atau KK.",
				"Collect it at the Disdukcapil or district office; bring this receipt and your KTP-el or family card."), "ok"
	case record.StatusNeedsCorrection:
		fields := []string{}
		if spec, err := record.SpecFor(rec.State.Kind); err == nil && rec.State.Decision != nil {
			for _, f := range rec.State.Decision.Fields {
				if fd, ok := spec.Field(f); ok {
					fields = append(fields, fd.Label.In(record.ParseLang(l)))
				}
			}
		}
		b := webkit.Pick(l, "Hubungi petugas jemput bola atau kantor Disdukcapil; bawa tanda terima dan dokumen pendukung.",
			"Contact the field officer or the Disdukcapil office; bring this receipt and your supporting documents.")
		if len(fields) > 0 {
			b += " " + webkit.Pick(l, "Yang perlu diperbaiki: ", "To correct: ") + strings.Join(fields, ", ") + "."
		}
		return webkit.Pick(l, "Perlu perbaikan.", "Needs a correction."), b, "error"
	case record.StatusRejected:
		return webkit.Pick(l, "Tidak dapat diproses.", "Could not be processed."),
			webkit.Pick(l, "Silakan datang ke kantor Disdukcapil dengan tanda terima ini.", "Please visit the Disdukcapil office with this receipt."), "error"
	case record.StatusWithdrawn:
		return webkit.Pick(l, "Dibatalkan oleh petugas.", "Withdrawn by the officer."),
			webkit.Pick(l, "Jika ini keliru, hubungi kantor Disdukcapil.", "If this is a mistake, contact the Disdukcapil office."), "card"
	case record.StatusDraft:
		return webkit.Pick(l, "Masih dilengkapi oleh petugas.", "The officer is still completing it."), "", "card"
	}
	return webkit.Pick(l, "Sedang ditinjau di kantor Disdukcapil.", "Under review at the Disdukcapil office."),
		webkit.Pick(l, "Tidak perlu membawa apa pun sekarang.", "Nothing to bring for now."), "card"
}

type service struct {
	Name  string
	Needs []string
	Steps []string
	Time  string
}

func (s *Server) standardsPage(w http.ResponseWriter, r *http.Request) {
	l := webkit.Lang(r)
	steps := []string{
		webkit.Pick(l, "Temui petugas jemput bola di kampung Anda.", "Meet the field officer in your village."),
		webkit.Pick(l, "Petugas mencatat data dan memberi tanda terima dengan kode.", "The officer records your data and gives you a receipt with a code."),
		webkit.Pick(l, "Cek status dengan kode itu di halaman ini.", "Check the status with that code on this site."),
		webkit.Pick(l, "Ambil dokumen setelah disetujui.", "Collect the document once approved."),
	}
	svc := []service{
		{Name: webkit.Pick(l, "Perekaman KTP-el", "KTP-el enrolment"), Steps: steps, Time: webkit.Pick(l, "14 hari kerja", "14 working days"),
			Needs: []string{webkit.Pick(l, "Berusia 17 tahun atau sudah/pernah kawin", "Aged 17 or married (now or before)"), webkit.Pick(l, "Kartu Keluarga (KK)", "Family card (KK)")}},
		{Name: webkit.Pick(l, "Akta kelahiran", "Birth certificate"), Steps: steps, Time: webkit.Pick(l, "7 hari kerja", "7 working days"),
			Needs: []string{webkit.Pick(l, "Surat keterangan lahir dari bidan atau faskes", "Birth letter from the midwife or health facility"), webkit.Pick(l, "KK dan KTP-el orang tua", "Parents' family card and KTP-el"), webkit.Pick(l, "Dua saksi", "Two witnesses")}},
		{Name: webkit.Pick(l, "Akta kematian", "Death certificate"), Steps: steps, Time: webkit.Pick(l, "7 hari kerja", "7 working days"),
			Needs: []string{webkit.Pick(l, "Surat keterangan kematian (dokter, puskesmas, atau kepala kampung)", "Death letter (doctor, health centre or village head)"), webkit.Pick(l, "KK dan KTP-el almarhum", "The deceased's family card and KTP-el"), webkit.Pick(l, "Dua saksi", "Two witnesses")}},
	}
	s.page(w, r, http.StatusOK, "standards.html", struct {
		pageData
		Services []service
	}{pageData{Lang: l, Title: webkit.Pick(l, "Standar layanan", "Service standards")}, svc})
}
