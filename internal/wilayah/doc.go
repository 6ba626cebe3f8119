// Package wilayah is the Kemendagri region-code tree (province, regency,
// district, village) shipped inside the binary, with lookup by code and by
// name.
//
// Codes are dotted groups of 2, 2, 2 and 4 digits: "64" (province),
// "64.11" (regency), "64.11.01" (district, kecamatan) and "64.11.01.2001"
// (village, desa/kelurahan). Every function accepts the undotted and
// space-separated forms too (see NormalizeCode) and every Region carries the
// canonical dotted form.
//
// Besides the current list the package ships the district codes that earlier
// lists had and the current one lacks. A NIK keeps the district code of its
// FIRST registration for life, while districts get split and renumbered (the
// 2022 Papua split retired hundreds of codes), so a real NIK may carry a
// prefix that no current district has. DistrictPrefix only answers whether a
// prefix is current, retired or neither. What to do with "neither" is the
// caller's policy: lists older than 2016 are not shipped, so it is a warning
// for the officer to check, not a reason to refuse the record.
//
// There is no package-level state: Load parses the embedded files each time
// it is called, so a program loads once at start-up and passes the *Tree
// around. A Tree is read-only after loading and safe for concurrent use.
//
// The data comes from cahyadsn/wilayah under the MIT licence; its notice must
// ship with any copy of the data (LicenseText).
package wilayah
