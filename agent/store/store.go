// Package store is the officer's laptop database: one SQLite file holding
// records, the op log that sync sends, and the wrapped key that protects
// them. All SQL of the agent lives here.
//
// Every write saves the record row and appends exactly one op in the same
// transaction, fsynced on commit (see sqlitex.Open): a record reported
// saved survives a killed process and a dead battery. Personal data is
// sealed with the keyring before it reaches SQLite, so the file, its WAL and
// any backup of them hold no plaintext name or NIK.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/atrest"
	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/internal/sqlitex"
	"github.com/jemputbola/jemput/syncproto"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Sentinel errors callers branch on.
var (
	ErrNotInitialized     = errors.New("no agent store here yet: run `jemput-agent init` first")
	ErrAlreadyInitialized = errors.New("an agent store already exists here")
	ErrNotFound           = errors.New("record not found")
	ErrWrongPassphrase    = atrest.ErrWrongPassphrase
	// ErrTrackingCodeTaken: the random tracking code is already on another
	// record of this laptop; the caller draws a new one.
	ErrTrackingCodeTaken = errors.New("tracking code already in use")
	// ErrExists: a record with this id is already saved.
	ErrExists = errors.New("a record with this id already exists")
)

// DB is the opened, still locked database file.
type DB struct {
	sql  *sql.DB
	path string
}

// Open opens the store file at path, creating it and applying migrations as
// needed. It reads no personal data: that needs Unlock.
func Open(ctx context.Context, path string) (*DB, error) {
	db, err := sqlitex.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	// Only the officer may read the file, even as ciphertext: the wrapped
	// key in it is what a passphrase-guessing attacker needs. SQLite gives
	// the -wal and -shm files the main file's mode when it creates them.
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(f, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			db.Close()
			return nil, fmt.Errorf("store %s: %w", path, err)
		}
	}
	if err := sqlitex.Migrate(ctx, db, migrations, "migrations"); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return &DB{sql: db, path: path}, nil
}

// Initialized reports whether Init has completed. A file without a key is
// what an init interrupted mid-way leaves: it holds no record, and Init may
// simply run again.
func (db *DB) Initialized(ctx context.Context) (bool, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, "SELECT count(*) FROM meta WHERE key = ?", metaKeyring).Scan(&n); err != nil {
		return false, fmt.Errorf("store %s: %w", db.path, err)
	}
	return n > 0, nil
}

// Close closes the file.
func (db *DB) Close() error { return db.sql.Close() }

// Path is the database file.
func (db *DB) Path() string { return db.path }

// InitParams sets up a new store.
type InitParams struct {
	Passphrase []byte
	Argon      atrest.Params
	Officer    string
	Now        time.Time
	Rand       io.Reader // nil: crypto/rand
}

// Init creates the keyring, the device identity and the random device epoch
// (which lets the hub tell a laptop restored from an old backup from the
// one that kept going).
func (db *DB) Init(ctx context.Context, p InitParams) error {
	if p.Rand == nil {
		p.Rand = rand.Reader
	}
	keys, err := atrest.NewKeyring(p.Rand)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	wrapped, err := keys.Wrap(p.Passphrase, p.Argon, p.Rand)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	wrappedBytes, err := wrapped.MarshalBinary()
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	deviceID, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	epoch := make([]byte, 16)
	if _, err := io.ReadFull(p.Rand, epoch); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	// The device's signing and sealing keys: sync signs every bundle with
	// them and the hub seals downstream bundles to them. The private half is
	// sealed under the passphrase like the records; the public half is not
	// secret and is kept in the clear for enrolment.
	ident, err := syncproto.NewIdentity(p.Rand)
	if err != nil {
		return fmt.Errorf("init: device keys: %w", err)
	}
	identBytes, err := ident.MarshalBinary()
	if err != nil {
		return fmt.Errorf("init: device keys: %w", err)
	}
	sealedIdent, err := keys.Seal(identBytes, aad("meta", metaIdentity, "value"))
	if err != nil {
		return fmt.Errorf("init: device keys: %w", err)
	}
	pubText, err := ident.Public().MarshalText()
	if err != nil {
		return fmt.Errorf("init: device keys: %w", err)
	}
	return sqlitex.InTx(ctx, db.sql, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM meta WHERE key = ?", metaKeyring).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrAlreadyInitialized
		}
		for k, v := range map[string]any{
			metaDeviceID:  deviceID.String(),
			metaEpoch:     hex.EncodeToString(epoch),
			metaKeyring:   wrappedBytes,
			metaSeq:       int64(0),
			metaHLC:       int64(0),
			metaAckedSeq:  int64(0),
			metaOfficer:   p.Officer,
			metaCreatedAt: p.Now.UnixMilli(),
			metaIdentity:  sealedIdent,
			metaPublicKey: string(pubText),
		} {
			if _, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?)", k, v); err != nil {
				return fmt.Errorf("init %s: %w", k, err)
			}
		}
		return nil
	})
}

const (
	metaDeviceID  = "device_id"
	metaEpoch     = "epoch"
	metaKeyring   = "keyring"
	metaSeq       = "seq"
	metaHLC       = "hlc"
	metaAckedSeq  = "acked_seq"
	metaOfficer   = "officer"
	metaCreatedAt = "created_at"
	metaLastSync  = "last_sync"
	metaIdentity  = "identity"   // sealed syncproto.Identity (device private keys)
	metaPublicKey = "public_key" // the device's public keys, text form
)

// Store is an unlocked store: it can read and write records.
type Store struct {
	db       *DB
	keys     *atrest.Keyring
	clock    *hlc.Clock
	phys     func() time.Time
	deviceID string
	officer  string
}

// Unlock opens the keyring with the officer's passphrase. phys is the wall
// clock (nil: time.Now); the hybrid logical clock resumes from the last
// persisted stamp, so it never runs backwards even if phys has.
func (db *DB) Unlock(ctx context.Context, passphrase []byte, phys func() time.Time) (*Store, error) {
	if phys == nil {
		phys = time.Now
	}
	var wrappedBytes []byte
	err := db.sql.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", metaKeyring).Scan(&wrappedBytes)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotInitialized
	}
	if err != nil {
		return nil, fmt.Errorf("unlock: %w", err)
	}
	var wrapped atrest.Wrapped
	if err := wrapped.UnmarshalBinary(wrappedBytes); err != nil {
		return nil, fmt.Errorf("unlock: %w", err)
	}
	keys, err := atrest.Unwrap(wrapped, passphrase)
	if err != nil {
		return nil, fmt.Errorf("unlock: %w", err)
	}
	s := &Store{db: db, keys: keys, phys: phys}
	var last int64
	if err := db.sql.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", metaHLC).Scan(&last); err != nil {
		return nil, fmt.Errorf("unlock: read clock: %w", err)
	}
	if err := db.sql.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", metaDeviceID).Scan(&s.deviceID); err != nil {
		return nil, fmt.Errorf("unlock: read device: %w", err)
	}
	if err := db.sql.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", metaOfficer).Scan(&s.officer); err != nil {
		return nil, fmt.Errorf("unlock: read officer: %w", err)
	}
	s.clock = hlc.NewClock(phys, hlc.Timestamp(last))
	return s, nil
}

// DeviceID is this laptop's identity in the op log.
func (s *Store) DeviceID() string { return s.deviceID }

// Officer is the officer named at init.
func (s *Store) Officer() string { return s.officer }

// Now is the wall clock the store was unlocked with.
func (s *Store) Now() time.Time { return s.phys() }

// Identity opens the device's private signing and sealing keys, for sync.
func (s *Store) Identity(ctx context.Context) (syncproto.Identity, error) {
	var sealed []byte
	if err := s.db.sql.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", metaIdentity).Scan(&sealed); err != nil {
		return syncproto.Identity{}, fmt.Errorf("read device keys: %w", err)
	}
	plain, err := s.keys.Open(sealed, aad("meta", metaIdentity, "value"))
	if err != nil {
		return syncproto.Identity{}, fmt.Errorf("open device keys: %w", err)
	}
	var id syncproto.Identity
	if err := id.UnmarshalBinary(plain); err != nil {
		return syncproto.Identity{}, fmt.Errorf("decode device keys: %w", err)
	}
	return id, nil
}

// IntegrityCheck runs SQLite's full integrity check; it needs no key.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := db.sql.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check of %s failed: %v", db.path, problems)
	}
	return nil
}
