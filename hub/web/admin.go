package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/jemputbola/jemput/hub"
)

// requireAdmin lets only admins through.
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sessionOf(r).user.Can("admin") {
			d := s.base(r, "403")
			d.Error = pick(d.Lang, "Halaman ini khusus admin.", "This page is for admins.")
			s.page(w, r, http.StatusForbidden, "layout-error", d)
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
	d := struct {
		pageData
		Devices []hub.Device
		NewCode string
	}{s.base(r, pick(lang(r), "Perangkat", "Devices")), ds, r.URL.Query().Get("code")}
	d.Error = r.URL.Query().Get("err")
	s.page(w, r, http.StatusOK, "devices.html", d)
}

func (s *Server) makeCode(w http.ResponseWriter, r *http.Request) {
	var villages []string
	for _, v := range strings.Split(r.PostFormValue("villages"), ",") {
		if v = strings.TrimSpace(v); v != "" {
			villages = append(villages, v)
		}
	}
	code, _, err := s.hub.NewEnrolCode(r.Context(), r.PostFormValue("officer"), villages)
	if err != nil {
		http.Redirect(w, r, "/admin/devices?err="+url.QueryEscape(err.Error()), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/admin/devices?code="+url.QueryEscape(code), http.StatusSeeOther)
}

func (s *Server) revokeDevice(w http.ResponseWriter, r *http.Request) {
	d, err := s.hub.Revoke(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, hub.ErrNotFound) {
		http.Redirect(w, r, "/admin/devices?err="+url.QueryEscape(pick(lang(r), "Perangkat tidak ditemukan.", "No such device.")), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/devices?ok="+url.QueryEscape(pick(lang(r), "Dicabut: ", "Revoked: ")+d.Officer), http.StatusSeeOther)
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	us, err := s.hub.Users(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := struct {
		pageData
		Users []hub.User
	}{s.base(r, pick(lang(r), "Pengguna", "Users")), us}
	d.Error = r.URL.Query().Get("err")
	s.page(w, r, http.StatusOK, "users.html", d)
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.hub.AddUser(r.Context(), r.PostFormValue("name"), r.PostFormValue("role"), strings.TrimSpace(r.PostFormValue("region")), r.PostFormValue("password"))
	if err != nil {
		http.Redirect(w, r, "/admin/users?err="+url.QueryEscape(err.Error()), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/admin/users?ok="+url.QueryEscape(pick(lang(r), "Ditambahkan: ", "Added: ")+u.Name), http.StatusSeeOther)
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
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
	}{pageData: s.base(r, pick(lang(r), "Log audit", "Audit log")), Entries: entries, Checked: n}
	if verr != nil {
		d.Broken = verr.Error()
	}
	s.page(w, r, http.StatusOK, "audit.html", d)
}
