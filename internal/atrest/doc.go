// Package atrest encrypts the agent's registrations at rest and keeps the
// keys that do it.
//
// Threat model: an officer's laptop, or a copy of its disk, is stolen while
// the store is locked. The thief must learn nothing about the people in it,
// not even whether a given NIK is registered, without the passphrase. A
// running, unlocked agent is out of scope: whoever controls that process can
// read what the officer can read. What the storage layer keeps in clear
// (how many rows, blob sizes, any plain timestamps) is not hidden by this
// package.
//
// A Keyring holds a random 32-byte master key. Two independent subkeys are
// derived from it with HKDF-SHA256: one encrypts record blobs (Seal, Open),
// the other keys the blind index (BlindIndex). On disk the master key only
// exists wrapped (Wrapped): sealed under a key derived from the passphrase
// with Argon2id, so every passphrase guess costs the thief the same memory
// and time as an unlock. The Argon2 parameters and salt travel in the
// wrapped header and are authenticated with it, so a file cannot be edited
// to claim cheaper parameters; unlocking refuses absurd parameters before
// it allocates anything.
//
// Records are sealed with XChaCha20-Poly1305. Its 24-byte nonce is large
// enough to draw at random for every blob, with no counter to persist and no
// risk of reuse when a store is copied, restored from backup or written from
// two processes. Every blob is bound to its place by associated data (the
// storage layer passes the record id and column, e.g. "records/<id>/fields"):
// a blob copied or swapped into another row fails to open instead of
// silently showing one person's data under another person's record.
//
// Lookup by NIK uses a blind index: HMAC-SHA256 under the index subkey, over
// a domain and the canonical value, truncated to 16 bytes. It must be keyed.
// A NIK has little entropy (region code, birth date and a short serial), so
// an unkeyed hash of every plausible NIK can be computed in seconds and
// would turn the index back into a list of NIKs. Domains ("nik", "kk", ...)
// make equal values in different columns give unrelated tokens. Callers
// canonicalise values (e.g. the 16 digits of a NIK) before indexing them;
// the index is an exact match on bytes.
package atrest
