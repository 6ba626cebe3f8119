package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/record"
	"github.com/jemputbola/jemput/internal/webkit"
	"github.com/jemputbola/jemput/internal/wilayah"
)

type coverageRow struct {
	Code, Name, Link                       string
	KTP, Births, Deaths, Captured, Waiting string
}

type coverageData struct {
	pageData
	Report *hub.CoverageReport
	Rows   []coverageRow
	Total  coverageRow
	Charts []chartView
	CSVURL string
	Up     string
	Flow   []flowRow
}

type chartView struct {
	Title string
	SVG   template.HTML
}

type flowRow struct {
	Officer, Device, LastSync, Skew, State            string
	Captured, Waiting, Approved, Correction, Rejected int64
}

// coverageQuery reads ?region=&from=&to= within the user's region: a
// supervisor of 64.11 starts at 64.11 and never reaches 64.02.
func (s *Server) coverageQuery(w http.ResponseWriter, r *http.Request) (hub.ReportQuery, bool) {
	u := sessionOf(r).user
	q := hub.ReportQuery{Region: r.URL.Query().Get("region")}
	if q.Region == "" {
		q.Region = u.Region
	}
	if q.Region != "" {
		reg, ok := s.regions.Lookup(q.Region)
		if !ok || reg.Level == wilayah.Village {
			s.refuse(w, r, http.StatusBadRequest, "Kode wilayah tidak dikenal atau tingkat desa.", "Unknown region code, or a village.")
			return q, false
		}
		q.Region = reg.Code
	}
	if !u.Sees(q.Region) || (u.Region != "" && q.Region == "") {
		s.refuse(w, r, http.StatusForbidden, "Wilayah itu di luar wilayah Anda.", "That region is outside yours.")
		return q, false
	}
	for _, p := range []struct {
		v string
		t *time.Time
	}{{r.URL.Query().Get("from"), &q.From}, {r.URL.Query().Get("to"), &q.To}} {
		if p.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, p.v)
		if err != nil {
			s.refuse(w, r, http.StatusBadRequest, "Tanggal harus berbentuk YYYY-MM-DD.", "Dates are YYYY-MM-DD.")
			return q, false
		}
		*p.t = t
	}
	// Default period: this year up to today (UTC), as the CLI.
	today := s.now().UTC()
	if q.To.IsZero() {
		q.To = today
	}
	if q.From.IsZero() {
		q.From = time.Date(q.To.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if q.To.Before(q.From) {
		s.refuse(w, r, http.StatusBadRequest, "Tanggal akhir sebelum tanggal awal.", "The end date is before the start date.")
		return q, false
	}
	return q, true
}

// report computes the coverage the request asks for, within the user's
// region; false when it has already answered (refusal or failure).
func (s *Server) report(w http.ResponseWriter, r *http.Request) (*hub.CoverageReport, hub.ReportQuery, bool) {
	q, ok := s.coverageQuery(w, r)
	if !ok {
		return nil, q, false
	}
	rep, err := s.hub.Coverage(r.Context(), s.regions, q)
	if err != nil {
		s.fail(w, r, err)
		return nil, q, false
	}
	return rep, q, true
}

func (s *Server) coverage(w http.ResponseWriter, r *http.Request) {
	rep, q, ok := s.report(w, r)
	if !ok {
		return
	}
	d := coverageData{pageData: s.base(r, "Coverage"), Report: rep}
	params := url.Values{"region": {rep.Region}, "from": {rep.From}, "to": {rep.To}}
	d.CSVURL = "/coverage.csv?" + params.Encode()
	u := sessionOf(r).user
	if rep.Region != "" {
		if parent, ok := s.regions.Parent(rep.Region); ok && u.Sees(parent.Code) {
			d.Up = "/coverage?" + url.Values{"region": {parent.Code}, "from": {rep.From}, "to": {rep.To}}.Encode()
		} else if !ok && u.Region == "" {
			d.Up = "/coverage?" + url.Values{"from": {rep.From}, "to": {rep.To}}.Encode()
		}
	}
	row := func(cr hub.CoverageRow) coverageRow {
		c := cr.Counts
		out := coverageRow{Code: cr.Region, Name: cr.Name,
			KTP:      share(c.KTP.Approved, cr.KTPCoverage),
			Births:   share(c.Births.OnTime, cr.BirthsOnTime),
			Deaths:   share(c.Deaths.OnTime, cr.DeathsOnTime),
			Captured: fmt.Sprint(c.Captured()), Waiting: fmt.Sprint(c.Backlog.Count)}
		if reg, ok := s.regions.Lookup(cr.Region); ok && reg.Level != wilayah.Village {
			out.Link = "/coverage?" + url.Values{"region": {cr.Region}, "from": {rep.From}, "to": {rep.To}}.Encode()
		}
		return out
	}
	for _, cr := range rep.Rows {
		d.Rows = append(d.Rows, row(cr))
	}
	d.Total = row(rep.Total)
	months, err := s.hub.Monthly(r.Context(), rep.Region, q.From, q.To)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Charts = append(d.Charts, chartView{Title: webkit.Pick(d.Lang, "Catatan per bulan", "Records per month"), SVG: monthChart(months, d.Lang)})
	for _, cs := range chartsFor(d.Lang) {
		d.Charts = append(d.Charts, chartView{Title: cs.title, SVG: barChart(rep.Rows, cs)})
	}
	flow, err := s.hub.DeviceFlow(r.Context(), rep.Region, q.From, q.To)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, f := range flow {
		fr := flowRow{Officer: f.Device.Officer, Device: f.Device.ID, Skew: f.Device.Skew.String(), Captured: f.Captured,
			Waiting: f.Flow[record.StatusReceived], Approved: f.Flow[record.StatusApproved], Correction: f.Flow[record.StatusNeedsCorrection], Rejected: f.Flow[record.StatusRejected],
			LastSync: webkit.Pick(d.Lang, "belum pernah", "never"), State: webkit.Pick(d.Lang, "aktif", "active")}
		if !f.Device.LastSync.IsZero() {
			fr.LastSync = f.Device.LastSync.Local().Format("2006-01-02 15:04")
		}
		if f.Device.Revoked() {
			fr.State = webkit.Pick(d.Lang, "dicabut", "revoked")
		} else if f.Device.Problem != "" {
			fr.State = f.Device.Problem
		}
		d.Flow = append(d.Flow, fr)
	}
	s.page(w, r, http.StatusOK, "coverage.html", d)
}

func share(n int64, pct *float64) string {
	if pct == nil {
		return fmt.Sprintf("%d", n)
	}
	return fmt.Sprintf("%d (%.1f%%)", n, *pct)
}

func (s *Server) coverageCSV(w http.ResponseWriter, r *http.Request) {
	rep, _, ok := s.report(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := hub.WriteCoverageCSV(&buf, rep); err != nil {
		s.fail(w, r, err)
		return
	}
	name := "cakupan-" + rep.Region + "-" + rep.From + "-" + rep.To + ".csv"
	if rep.Region == "" {
		name = "cakupan-indonesia-" + rep.From + "-" + rep.To + ".csv"
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(buf.Bytes())
}

// chartSeries is what one chart plots per region: a percentage of the
// target where the region has one, else a count.
type chartSeries struct {
	id, title, countLabel string
	value                 func(hub.CoverageRow) (*float64, int64)
}

func chartsFor(lang string) []chartSeries {
	return []chartSeries{
		{"chart", webkit.Pick(lang, "Cakupan KTP-el (disetujui / wajib KTP)", "KTP-el coverage (approved / due)"), webkit.Pick(lang, "%d disetujui", "%d approved"),
			func(r hub.CoverageRow) (*float64, int64) { return r.KTPCoverage, r.Counts.KTP.Approved }},
		{"chart-births", webkit.Pick(lang, "Kelahiran tercatat tepat waktu / perkiraan", "Births registered on time / expected"), webkit.Pick(lang, "%d tepat waktu", "%d on time"),
			func(r hub.CoverageRow) (*float64, int64) { return r.BirthsOnTime, r.Counts.Births.OnTime }},
		{"chart-deaths", webkit.Pick(lang, "Kematian tercatat tepat waktu / perkiraan", "Deaths registered on time / expected"), webkit.Pick(lang, "%d tepat waktu", "%d on time"),
			func(r hub.CoverageRow) (*float64, int64) { return r.DeathsOnTime, r.Counts.Deaths.OnTime }},
	}
}

// barChart draws one series per region as an SVG: the percentage of the
// target where the region has one, else the count against the largest
// row (a district or village rarely has a target of its own). Every text
// is escaped.
func barChart(rows []hub.CoverageRow, cs chartSeries) template.HTML {
	const rowH, labelW, barW, textW = 22, 200, 420, 160
	var most int64 = 1
	for _, r := range rows {
		_, n := cs.value(r)
		most = max(most, n)
	}
	var b bytes.Buffer
	h := rowH*len(rows) + 10
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%%" viewBox="0 0 %d %d" id="%s"><title>%s</title>`,
		labelW+barW+textW, h, cs.id, template.HTMLEscapeString(cs.title))
	for i, r := range rows {
		y := i*rowH + 5
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="13">%s</text>`, y+15, template.HTMLEscapeString(r.Name))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="16" fill="#eef1f4"/>`, labelW, y+2, barW)
		p, n := cs.value(r)
		w := int(float64(n) / float64(most) * barW)
		label := fmt.Sprintf(cs.countLabel, n)
		if p != nil {
			w = int(min(*p, 100) / 100 * barW)
			label = fmt.Sprintf("%.1f%%", *p)
		}
		fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%d" height="16" fill="#0b5d3b"/>`, labelW, y+2, w)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13">%s</text>`, labelW+barW+6, y+15, template.HTMLEscapeString(label))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// monthChart draws the records captured per month, stacked by kind, as an
// SVG column chart with a legend; every text is escaped.
func monthChart(months []hub.MonthCounts, lang string) template.HTML {
	const colW, gap, plotH, top, base, left = 36, 10, 160, 20, 40, 40
	kinds := []struct {
		k     record.Kind
		color string
	}{{record.KindEKTP, "#0b5d3b"}, {record.KindBirth, "#3b82c4"}, {record.KindDeath, "#8a8f98"}}
	var most int64 = 1
	for _, m := range months {
		most = max(most, m.Total)
	}
	width := left + len(months)*(colW+gap) + 10
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%%" viewBox="0 0 %d %d" id="chart-months"><title>%s</title>`,
		max(width, 360), top+plotH+base+20, template.HTMLEscapeString(webkit.Pick(lang, "Catatan per bulan", "Records per month")))
	fmt.Fprintf(&b, `<text x="0" y="%d" font-size="12">%d</text>`, top+10, most)
	for i, m := range months {
		x := left + i*(colW+gap)
		y := top + plotH
		for _, k := range kinds {
			n := m.ByKind[k.k]
			h := int(float64(n) / float64(most) * plotH)
			if h == 0 {
				continue
			}
			y -= h
			fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s %s: %d</title></rect>`,
				x, y, colW, h, k.color, template.HTMLEscapeString(m.Month.Format("2006-01")), k.k, n)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">%s</text>`, x, top+plotH+15, m.Month.Format("01/06"))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">%d</text>`, x, top+plotH+29, m.Total)
	}
	lx := left
	for _, k := range kinds {
		label := string(k.k)
		if spec, err := record.SpecFor(k.k); err == nil {
			label = spec.Label.In(record.ParseLang(lang))
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="12">%s</text>`,
			lx, top+plotH+38, k.color, lx+14, top+plotH+47, template.HTMLEscapeString(label))
		lx += 150
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
