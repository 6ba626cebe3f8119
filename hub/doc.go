// Package hub will hold the central store interface (SQLite, then
// PostgreSQL), ingest and merge, the review workflow, reports and the web
// handlers. It is empty until the sync work lands; see DESIGN.md.
package hub
