package sqlite

import (
	"fmt"

	"github.com/jemputbola/jemput/hub"
)

func (t *tx) PutUser(u hub.User) error {
	d := 0
	if u.Disabled {
		d = 1
	}
	return t.exec(`INSERT INTO users (name, role, region, hash, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET role = excluded.role, region = excluded.region, hash = excluded.hash, disabled = excluded.disabled`,
		u.Name, u.Role, u.Region, u.Hash, ms(u.CreatedAt), d)
}

func scanUser(sc interface{ Scan(...any) error }) (hub.User, error) {
	var u hub.User
	var at int64
	var d int
	err := sc.Scan(&u.Name, &u.Role, &u.Region, &u.Hash, &at, &d)
	u.CreatedAt, u.Disabled = fromMs(at), d == 1
	return u, err
}

func (t *tx) User(name string) (hub.User, error) {
	u, err := scanUser(t.row("SELECT name, role, region, hash, created_at, disabled FROM users WHERE name = ?", name))
	return u, notFound(err, "user "+name)
}

func (t *tx) Users() ([]hub.User, error) {
	rows, err := t.query("SELECT name, role, region, hash, created_at, disabled FROM users ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	var out []hub.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func (t *tx) PutSession(s hub.Session) error {
	if err := t.exec("DELETE FROM sessions WHERE expires_at < ?", ms(s.CreatedAt)); err != nil {
		return err
	}
	return t.exec("INSERT INTO sessions (token_hash, user_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		s.TokenHash, s.User, s.CSRF, ms(s.CreatedAt), ms(s.ExpiresAt))
}

func (t *tx) Session(tokenHash string) (hub.Session, error) {
	var s hub.Session
	var c, e int64
	err := t.row("SELECT token_hash, user_name, csrf, created_at, expires_at FROM sessions WHERE token_hash = ?", tokenHash).
		Scan(&s.TokenHash, &s.User, &s.CSRF, &c, &e)
	s.CreatedAt, s.ExpiresAt = fromMs(c), fromMs(e)
	return s, notFound(err, "session")
}

func (t *tx) DeleteSession(tokenHash string) error {
	return t.exec("DELETE FROM sessions WHERE token_hash = ?", tokenHash)
}
