package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jemputbola/jemput/internal/password"
)

// Roles of hub users.
const (
	RoleOperator   = "operator"   // reviews and decides records
	RoleSupervisor = "supervisor" // sees coverage and records, decides nothing
	RoleAdmin      = "admin"      // devices, users, audit; and what operators do
)

// User is a hub account, scoped to a region.
type User struct {
	Name      string
	Role      string
	Region    string // region code the user sees (and everything under it); "" = all
	Hash      string
	CreatedAt time.Time
	Disabled  bool
}

// Sees reports whether a record in villageCode is in u's region.
func (u User) Sees(villageCode string) bool {
	return u.Region == "" || villageCode == u.Region || strings.HasPrefix(villageCode, u.Region+".")
}

// Can reports whether u's role allows an action: "decide" (operators,
// admins), "admin" (admins).
func (u User) Can(action string) bool {
	switch action {
	case "decide":
		return u.Role == RoleOperator || u.Role == RoleAdmin
	case "admin":
		return u.Role == RoleAdmin
	}
	return false
}

// Session is a logged-in browser.
type Session struct {
	TokenHash string
	User      string
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Errors of accounts.
var (
	ErrBadLogin   = errors.New("wrong user name or password")
	ErrUserExists = errors.New("a user with this name already exists")
)

// SessionLifetime is how long a login lasts.
const SessionLifetime = 12 * time.Hour

// PasswordParams are the Argon2id costs of new passwords (tests lower them).
var PasswordParams = password.Default

// AddUser creates an account. The region must be a known region code.
func (h *Hub) AddUser(ctx context.Context, name, role, region, pw string) (User, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n<>\"'&") {
		return User{}, fmt.Errorf("user name %q: 1 to 64 characters, no spaces or <>\"'&", name)
	}
	switch role {
	case RoleOperator, RoleSupervisor, RoleAdmin:
	default:
		return User{}, fmt.Errorf("role %q: use operator, supervisor or admin", role)
	}
	if region != "" && h.env.Regions != nil {
		reg, ok := h.env.Regions.Lookup(region)
		if !ok {
			return User{}, fmt.Errorf("unknown region code %q", region)
		}
		region = reg.Code // canonical, or the user would see nothing
	}
	if err := password.Check(pw); err != nil {
		return User{}, err
	}
	hash, err := password.Hash(pw, PasswordParams, h.rand)
	if err != nil {
		return User{}, err
	}
	u := User{Name: name, Role: role, Region: region, Hash: hash, CreatedAt: h.now().UTC()}
	err = h.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.User(name); err == nil {
			return ErrUserExists
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		scope := region
		if scope == "" {
			scope = "all regions"
		}
		return h.audit(tx, actorOf(ctx, "cli"), AuditUserAdd, name, role+", "+scope)
	})
	if err != nil {
		return User{}, fmt.Errorf("add user %s: %w", name, err)
	}
	return u, nil
}

// Login checks a password and opens a session; the returned token goes in
// the cookie. Every attempt is audited. A wrong name and a wrong password
// take the same time and give the same error.
func (h *Hub) Login(ctx context.Context, name, pw, from string) (User, string, Session, error) {
	var u User
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		u, err = tx.User(name)
		return err
	})
	hash := u.Hash
	if err != nil || u.Disabled {
		hash = dummyHash() // spend the same time as a real check
	}
	perr := password.Verify(pw, hash)
	if err != nil || u.Disabled || perr != nil {
		// A name that is no account may be a password typed in the wrong
		// box: the append-only log must not keep it.
		target := name
		if err != nil {
			target = "(no such user)"
		}
		_ = h.store.Update(ctx, func(tx Tx) error {
			return h.audit(tx, "web:"+from, AuditLoginFail, target, "from "+from)
		})
		return User{}, "", Session{}, ErrBadLogin
	}
	tok := make([]byte, 32)
	csrf := make([]byte, 32)
	if _, err := rand.Read(tok); err != nil {
		return User{}, "", Session{}, err
	}
	rand.Read(csrf)
	token := hex.EncodeToString(tok)
	now := h.now().UTC()
	s := Session{TokenHash: tokenHash(token), User: u.Name, CSRF: hex.EncodeToString(csrf), CreatedAt: now, ExpiresAt: now.Add(SessionLifetime)}
	err = h.store.Update(ctx, func(tx Tx) error {
		if err := tx.PutSession(s); err != nil {
			return err
		}
		return h.audit(tx, u.Name, AuditLogin, u.Name, "from "+from)
	})
	if err != nil {
		return User{}, "", Session{}, err
	}
	return u, token, s, nil
}

// dummyHash is checked against when the user does not exist. Made on the
// first failed login, not at start-up: every hub command would otherwise
// pay for an Argon2id hash it never uses.
var dummyHash = sync.OnceValue(func() string {
	h, _ := password.Hash("no such user, no such password", password.Default, nil)
	return h
})

func tokenHash(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// SessionUser finds the live session of a cookie token and its user.
func (h *Hub) SessionUser(ctx context.Context, token string) (User, Session, error) {
	var u User
	var s Session
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		if s, err = tx.Session(tokenHash(token)); err != nil {
			return err
		}
		u, err = tx.User(s.User)
		return err
	})
	if err != nil {
		return User{}, Session{}, err
	}
	if h.now().After(s.ExpiresAt) || u.Disabled {
		return User{}, Session{}, fmt.Errorf("session expired: %w", ErrNotFound)
	}
	return u, s, nil
}

// Logout ends a session.
func (h *Hub) Logout(ctx context.Context, token string) error {
	return h.store.Update(ctx, func(tx Tx) error { return tx.DeleteSession(tokenHash(token)) })
}

// Users lists the accounts.
func (h *Hub) Users(ctx context.Context) ([]User, error) {
	var us []User
	err := h.store.View(ctx, func(tx Tx) error {
		var err error
		us, err = tx.Users()
		return err
	})
	return us, err
}
