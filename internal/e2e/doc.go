// Package e2e holds end-to-end tests that run the real jemput-hub and
// jemput-agent binaries as separate processes and kill them mid-sync. It
// has no code of its own.
package e2e
