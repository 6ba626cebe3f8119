// Package webkit holds what the hub's pages and the laptop's pages do the
// same way: security headers, the language switch, one-time messages after a
// redirect, and random tokens. It knows nothing of records or users.
package webkit
