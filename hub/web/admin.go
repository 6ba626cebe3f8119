package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/jemputbola/jemput/hub"
	"github.com/jemputbola/jemput/internal/webkit"
)

// requireAdmin lets only admins through.
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sessionOf(r).user.Can("admin") {
			s.refuse(w, r, http.StatusForbidden, "Halaman ini khusus admin.", "This page is for admins.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) devicesPage(w http.ResponseWriter, r *http.Request) {
	ds, err := s.hub.Devices(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderDevices(w, r, ds, "")
}

// renderDevices shows the devices an admin may manage: all for a national
// admin, those enrolled for villages in a regional admin's region.
func (s *Server) renderDevices(w http.ResponseWriter, r *http.Request, ds []hub.Device, newCode string) {
	u := sessionOf(r).user
	var mine []hub.Device
	for _, d := range ds {
		if u.Region == "" || slices.ContainsFunc(d.Villages, u.Sees) {
			mine = append(mine, d)
		}
	}
	d := struct {
		pageData
		Devices []hub.Device
		NewCode string
	}{s.base(r, webkit.Pick(webkit.Lang(r), "Perangkat", "Devices")), mine, newCode}
	s.page(w, r, http.StatusOK, "devices.html", d)
}

func (s *Server) makeCode(w http.ResponseWriter, r *http.Request) {
	var villages []string
	for _, v := range strings.Split(r.PostFormValue("villages"), ",") {
		if v = strings.TrimSpace(v); v != "" {
			villages = append(villages, v)
		}
	}
	u := sessionOf(r).user
	if u.Region != "" && (len(villages) == 0 || !slices.ContainsFunc(villages, u.Sees)) {
		webkit.Flash(w, "err", webkit.Pick(webkit.Lang(r), "Sebutkan desa di wilayah Anda.", "Name villages in your region."))
		http.Redirect(w, r, "/admin/devices", http.StatusSeeOther)
		return
	}
	code, _, err := s.hub.NewEnrolCode(r.Context(), r.PostFormValue("officer"), villages)
	if err != nil {
		webkit.Flash(w, "err", err.Error())
		http.Redirect(w, r, "/admin/devices", http.StatusSeeOther)
		return
	}
	// The code is a credential: shown in this answer only, never put in a
	// URL (proxy logs, browser history).
	ds, err := s.hub.Devices(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderDevices(w, r, ds, code)
}

func (s *Server) revokeDevice(w http.ResponseWriter, r *http.Request) {
	u := sessionOf(r).user
	if dev, err := s.hub.Device(r.Context(), chi.URLParam(r, "id")); err == nil && u.Region != "" && !slices.ContainsFunc(dev.Villages, u.Sees) {
		webkit.Flash(w, "err", webkit.Pick(webkit.Lang(r), "Perangkat tidak ditemukan.", "No such device."))
		http.Redirect(w, r, "/admin/devices", http.StatusSeeOther)
		return
	}
	d, err := s.hub.Revoke(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, hub.ErrNotFound) {
		webkit.Flash(w, "err", webkit.Pick(webkit.Lang(r), "Perangkat tidak ditemukan.", "No such device."))
		http.Redirect(w, r, "/admin/devices", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	webkit.Flash(w, "ok", webkit.Pick(webkit.Lang(r), "Dicabut: ", "Revoked: ")+d.Officer)
	http.Redirect(w, r, "/admin/devices", http.StatusSeeOther)
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	us, err := s.hub.Users(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := sessionOf(r).user
	var mine []hub.User
	for _, x := range us {
		if u.Region == "" || (x.Region != "" && u.Sees(x.Region)) {
			mine = append(mine, x)
		}
	}
	d := struct {
		pageData
		Users []hub.User
	}{s.base(r, webkit.Pick(webkit.Lang(r), "Pengguna", "Users")), mine}
	s.page(w, r, http.StatusOK, "users.html", d)
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	me := sessionOf(r).user
	region := strings.TrimSpace(r.PostFormValue("region"))
	// A regional admin makes accounts inside their region only.
	if me.Region != "" && (region == "" || !me.Sees(region)) {
		webkit.Flash(w, "err", webkit.Pick(webkit.Lang(r), "Wilayah pengguna baru harus di dalam wilayah Anda.", "The new user's region must be inside yours."))
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
		return
	}
	u, err := s.hub.AddUser(r.Context(), r.PostFormValue("name"), r.PostFormValue("role"), region, r.PostFormValue("password"))
	if err != nil {
		webkit.Flash(w, "err", err.Error())
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
		return
	}
	webkit.Flash(w, "ok", webkit.Pick(webkit.Lang(r), "Ditambahkan: ", "Added: ")+u.Name)
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	// The log spans every region (and operators' reasons may name people):
	// national admins only.
	if sessionOf(r).user.Region != "" {
		s.refuse(w, r, http.StatusForbidden, "Log audit hanya untuk admin nasional.", "The audit log is for national admins only.")
		return
	}
	n, _, verr := s.hub.VerifyAudit(r.Context())
	entries, err := s.hub.AuditLog(r.Context(), 0, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Newest first, the last 500.
	if len(entries) > 500 {
		entries = entries[len(entries)-500:]
	}
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	d := struct {
		pageData
		Entries []hub.AuditEntry
		Checked int
		Broken  string
	}{pageData: s.base(r, webkit.Pick(webkit.Lang(r), "Log audit", "Audit log")), Entries: entries, Checked: n}
	if verr != nil {
		d.Broken = verr.Error()
	}
	s.page(w, r, http.StatusOK, "audit.html", d)
}
