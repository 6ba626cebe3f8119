// Package record is the one definition of what a registration is: the three
// kinds (KTP-el enrolment, birth, death), their fields with JSON names,
// labels and types, the rules a record must meet before it is submitted,
// and the per-field messages in Bahasa Indonesia and English.
//
// Everything else reads this package: the agent's store and command line,
// the web forms, the hub's merge and the reports. No other package lists
// fields. Field values travel as a flat map from a dotted path
// ("mother.nik", "witnesses.0.name") to a canonical string, because the
// sync model merges field by field; the nested JSON that other tools read
// and write is produced from the same definition (see Spec.Decode and
// Spec.JSON).
package record
