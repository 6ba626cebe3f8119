package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jemputbola/jemput/agent/store"
	"github.com/jemputbola/jemput/internal/atrest"
)

const testPass = "kata-sandi-uji-123"

// cheapArgon keeps tests quick; the parameters are stored with the key, so
// the CLI unlocks such a store like any other.
var cheapArgon = atrest.Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}

// newStoreDir makes an initialised store in a temp dir.
func newStoreDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "laptop")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), dbPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Init(context.Background(), store.InitParams{Passphrase: []byte(testPass), Argon: cheapArgon, Officer: "Yakobus Lenjau", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return dir
}

type result struct {
	out, err string
	code     int
}

// runCLI runs one command in process with the given stdin and environment.
func runCLI(t testing.TB, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := run(context.Background(), args, stdio{In: strings.NewReader(stdin), Out: &out, Err: &errb, Getenv: getenv})
	return result{out.String(), errb.String(), code}
}

func envFor(dir string) map[string]string {
	return map[string]string{"JEMPUT_DATA": dir, "JEMPUT_PASSPHRASE": testPass, "HOME": "/nonexistent"}
}

func fixtureLine(t testing.TB, kind string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "record", "testdata", kind+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// withField returns the JSON line with one top-level field replaced.
func withField(t testing.TB, line, key string, value any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatal(err)
	}
	if value == nil {
		delete(m, key)
	} else {
		m[key] = value
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func listJSON(t testing.TB, env map[string]string, args ...string) []map[string]any {
	t.Helper()
	r := runCLI(t, env, "", append([]string{"list", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("list: %d %s", r.code, r.err)
	}
	var out []map[string]any
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatalf("list --json is not JSON: %v\n%s", err, r.out)
	}
	return out
}

func showJSON(t testing.TB, env map[string]string, id string) map[string]any {
	t.Helper()
	r := runCLI(t, env, "", "show", "--json", id)
	if r.code != 0 {
		t.Fatalf("show %s: %d %s", id, r.code, r.err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatalf("show --json is not JSON: %v\n%s", err, r.out)
	}
	return out
}

func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	env := map[string]string{"JEMPUT_DATA": dir, "JEMPUT_PASSPHRASE": testPass}
	if r := runCLI(t, env, "", "init", "--officer", "Siti"); r.code != 0 {
		t.Fatalf("init: %d %s", r.code, r.err)
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode: %v %v", st, err)
	}
	r := runCLI(t, env, "", "init")
	if r.code != 1 || !strings.Contains(r.err, "already exists") {
		t.Fatalf("second init: %d %q", r.code, r.err)
	}
	if r := runCLI(t, env, "", "status", "--json"); r.code != 0 || !strings.Contains(r.out, `"officer": "Siti"`) {
		t.Fatalf("status after init: %d %s %s", r.code, r.out, r.err)
	}

	short := map[string]string{"JEMPUT_DATA": filepath.Join(t.TempDir(), "x"), "JEMPUT_PASSPHRASE": "pendek"}
	if r := runCLI(t, short, "", "init"); r.code != 1 || !strings.Contains(r.err, "too short") {
		t.Fatalf("short passphrase: %d %q", r.code, r.err)
	}
	none := map[string]string{"JEMPUT_DATA": filepath.Join(t.TempDir(), "y")}
	if r := runCLI(t, none, "", "init"); r.code != 1 || !strings.Contains(r.err, "JEMPUT_PASSPHRASE") {
		t.Fatalf("no passphrase: %d %q", r.code, r.err)
	}
	if _, err := os.Stat(filepath.Join(none["JEMPUT_DATA"], "agent.db")); !os.IsNotExist(err) {
		t.Fatal("a refused init left a store behind")
	}
}

func TestRecordJSONLinesReportsEachLine(t *testing.T) {
	dir := newStoreDir(t)
	env := envFor(dir)
	good := fixtureLine(t, "ektp")
	input := strings.Join([]string{
		good,
		`{"nik": "6411015203850002", "full_name": "Siti",}`, // malformed
		"",
		withField(t, good, "hobby", "fishing"),   // unknown field
		withField(t, good, "religion", "islamm"), // unknown code
		withField(t, good, "full_name", "Ma'ruf"),     // apostrophe: fine
		withField(t, good, "full_name", "Nguyễn Ánh"), // non-ASCII: fine
	}, "\n") + "\n"
	r := runCLI(t, env, input, "record", "ektp", "--file", "-", "--json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (some lines failed)\n%s\n%s", r.code, r.out, r.err)
	}
	type line struct {
		Line  int    `json:"line"`
		ID    string `json:"id"`
		Error string `json:"error"`
	}
	var got []line
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("output line is not JSON: %q", l)
		}
		got = append(got, x)
	}
	wantLines := []int{1, 2, 4, 5, 6, 7}
	for i, g := range got {
		if g.Line != wantLines[i] {
			t.Errorf("result %d is for line %d, want %d", i, g.Line, wantLines[i])
		}
	}
	for i, wantErr := range map[int]string{1: "malformed JSON", 2: `field "hobby": unknown field`, 3: `unknown code "islamm"`} {
		if got[i].ID != "" || !strings.Contains(got[i].Error, wantErr) {
			t.Errorf("line %d: %+v, want error %q", got[i].Line, got[i], wantErr)
		}
	}
	for _, i := range []int{0, 4, 5} {
		if got[i].ID == "" {
			t.Errorf("line %d not saved: %+v", got[i].Line, got[i])
		}
	}
	if n := len(listJSON(t, env)); n != 3 {
		t.Fatalf("%d records saved, want 3", n)
	}
	if !strings.Contains(r.err, "3 of 6 record(s) saved") {
		t.Errorf("summary: %q", r.err)
	}
}

func TestRecordSubmitInSameRun(t *testing.T) {
	dir := newStoreDir(t)
	env := envFor(dir)
	input := fixtureLine(t, "birth") + "\n" + withField(t, fixtureLine(t, "birth"), "child_name", nil) + "\n" + fixtureLine(t, "death") + "\n"
	r := runCLI(t, env, input, "record", "birth", "--file", "-", "--submit")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %s %s", r.code, r.out, r.err)
	}
	// The death record is not a birth: it fails to decode as one.
	if !strings.Contains(r.err, `line 3: not saved: field "cause": unknown field`) &&
		!strings.Contains(r.err, "line 3: not saved") {
		t.Errorf("line 3 should be refused: %s", r.err)
	}
	if !strings.Contains(r.out, "line 2: saved") || !strings.Contains(r.out, "Nama anak: wajib diisi") {
		t.Errorf("line 2 should be saved with its problem listed:\n%s", r.out)
	}
	byStatus := map[string]int{}
	for _, rec := range listJSON(t, env) {
		byStatus[rec["status"].(string)]++
	}
	if !reflect.DeepEqual(byStatus, map[string]int{"submitted": 1, "draft": 1}) {
		t.Fatalf("statuses = %v", byStatus)
	}
}

func TestSingleJSONDocument(t *testing.T) {
	dir := newStoreDir(t)
	env := envFor(dir)
	path := filepath.Join("..", "..", "internal", "record", "testdata", "death.json")
	if r := runCLI(t, env, "", "record", "--file", path, "death", "--submit"); r.code != 0 {
		t.Fatalf("pretty JSON file: %d %s %s", r.code, r.out, r.err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("{\n  \"deceased_name\": \"Hangin\",\n  \"death_date\": \n}\n"), 0o600)
	r := runCLI(t, env, "", "record", "death", "--file", bad)
	if r.code != 1 || strings.Count(strings.TrimSpace(r.err), "\n") != 0 || !strings.Contains(r.err, "malformed JSON") {
		t.Fatalf("malformed pretty JSON: %d %q", r.code, r.err)
	}
	if n := len(listJSON(t, env)); n != 1 {
		t.Fatalf("%d records, want 1", n)
	}
}

func TestSubmitPrintsEveryFailingFieldAndKeepsDraft(t *testing.T) {
	dir := newStoreDir(t)
	env := envFor(dir)
	line := `{"nik": "6411010003850000", "full_name": "<script>alert(1)</script>", "birth_date": "2030-01-01", "village_code": "64.11.01.2001"}`
	r := runCLI(t, env, line+"\n", "record", "ektp", "--file", "-", "--json")
	if r.code != 0 {
		t.Fatalf("draft should be saved: %d %s", r.code, r.err)
	}
	var saved struct{ ID string }
	json.Unmarshal([]byte(r.out), &saved)
	r = runCLI(t, env, "", "submit", saved.ID, "--lang", "en")
	if r.code != 1 {
		t.Fatalf("submit of an invalid record: exit %d", r.code)
	}
	for _, want := range []string{"[nik]", "[full_name]", "[birth_date]", "[kk_number]", "[occupation]", "[citizenship]",
		"may contain only letters", "cannot be after today"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("submit output lacks %q:\n%s", want, r.err)
		}
	}
	got := showJSON(t, env, saved.ID)
	if got["status"] != "draft" {
		t.Fatalf("status after refused submit = %v", got["status"])
	}
	if got["fields"].(map[string]any)["full_name"] != "<script>alert(1)</script>" {
		t.Fatalf("draft lost what was typed: %v", got["fields"])
	}
}

func TestSubmitWarningNeedsConfirm(t *testing.T) {
	dir := newStoreDir(t)
	env := envFor(dir)
	// A NIK whose district is in no region list (a retired pre-2016 code).
	line := withField(t, fixtureLine(t, "ektp"), "nik", "9999995203850002")
	r := runCLI(t, env, line+"\n", "record", "ektp", "--file", "-", "--json")
	var saved struct{ ID string }
	json.Unmarshal([]byte(r.out), &saved)
	r = runCLI(t, env, "", "submit", saved.ID)
	if r.code != 1 || !strings.Contains(r.err, "--confirm") || !strings.Contains(r.err, "99.99.99") {
		t.Fatalf("unconfirmed warning: %d %q", r.code, r.err)
	}
	if s := showJSON(t, env, saved.ID)["status"]; s != "draft" {
		t.Fatalf("status = %v", s)
	}
	if r := runCLI(t, env, "", "submit", saved.ID, "--confirm"); r.code != 0 {
		t.Fatalf("confirmed submit: %d %q", r.code, r.err)
	}
	if s := showJSON(t, env, saved.ID)["status"]; s != "submitted" {
		t.Fatalf("status = %v", s)
	}
	// Submitting again changes nothing and succeeds.
	if r := runCLI(t, env, "", "submit", saved.ID); r.code != 0 {
		t.Fatalf("resubmit: %d %q", r.code, r.err)
	}
}

func TestEdit(t *testing.T) {
	dir := newStoreDir(t)
	env := envFor(dir)
	r := runCLI(t, env, fixtureLine(t, "birth")+"\n", "record", "birth", "--file", "-", "--json")
	var saved struct {
		ID           string `json:"id"`
		TrackingCode string `json:"tracking_code"`
	}
	json.Unmarshal([]byte(r.out), &saved)

	// By tracking code, typed in lower case without hyphens.
	ref := strings.ToLower(strings.ReplaceAll(saved.TrackingCode, "-", ""))
	if r := runCLI(t, env, "", "edit", ref, "child_name=Ma'ruf Lawing", "witnesses.1.name=Theresia Bulan Hulau", "weight_grams=3300"); r.code != 0 {
		t.Fatalf("edit: %d %s", r.code, r.err)
	}
	f := showJSON(t, env, saved.ID)["fields"].(map[string]any)
	if f["child_name"] != "Ma'ruf Lawing" || f["weight_grams"] != float64(3300) ||
		f["witnesses"].([]any)[1].(map[string]any)["name"] != "Theresia Bulan Hulau" {
		t.Fatalf("fields after edit: %v", f)
	}
	before := runCLI(t, env, "", "status", "--json").out

	refusals := []struct {
		args []string
		want string
	}{
		{[]string{"edit", saved.ID, "hair_colour=black"}, "unknown field"},
		{[]string{"edit", saved.ID, "attendant=tabib"}, "unknown code"},
		{[]string{"edit", saved.ID, "village_code=64.11.01.9999"}, "unknown village"},
		{[]string{"edit", saved.ID, "weight_grams=berat"}, "not a whole number"},
	}
	for _, tt := range refusals {
		r := runCLI(t, env, "", tt.args...)
		if r.code != 1 || !strings.Contains(r.err, tt.want) || !strings.Contains(r.err, "nothing was changed") {
			t.Errorf("%v: %d %q, want %q", tt.args, r.code, r.err, tt.want)
		}
	}
	if r := runCLI(t, env, "", "edit", saved.ID, "child_name"); r.code != 2 {
		t.Errorf("edit without =: exit %d", r.code)
	}

	// A submitted record takes a valid fix but refuses a change that breaks it.
	if r := runCLI(t, env, "", "submit", saved.ID); r.code != 0 {
		t.Fatalf("submit: %d %s", r.code, r.err)
	}
	if r := runCLI(t, env, "", "edit", saved.ID, "mother.nik=6411021506950001"); r.code != 1 || !strings.Contains(r.err, "mother.nik") {
		t.Fatalf("breaking edit of a submitted record: %d %q", r.code, r.err)
	}
	if r := runCLI(t, env, "", "edit", saved.ID, "birth_time=05:10"); r.code != 0 {
		t.Fatalf("valid edit of a submitted record: %d %q", r.code, r.err)
	}
	got := showJSON(t, env, saved.ID)
	if got["status"] != "submitted" || got["fields"].(map[string]any)["mother"].(map[string]any)["nik"] != "6411025506950001" {
		t.Fatalf("after edits: %v", got)
	}
	var st1, st2 map[string]any
	json.Unmarshal([]byte(before), &st1)
	json.Unmarshal([]byte(runCLI(t, env, "", "status", "--json").out), &st2)
	// Refused edits wrote nothing: only submit and the valid edit added ops.
	if st2["last_seq"].(float64) != st1["last_seq"].(float64)+2 {
		t.Fatalf("ops before %v after %v, want +2", st1["last_seq"], st2["last_seq"])
	}
}

func TestJSONContract(t *testing.T) {
	dir := newStoreDir(t)
	env := envFor(dir)
	runCLI(t, env, fixtureLine(t, "ektp")+"\n", "record", "ektp", "--file", "-")
	list := listJSON(t, env)
	if len(list) != 1 {
		t.Fatalf("list: %v", list)
	}
	keys := func(m map[string]any) []string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		sort.Strings(k)
		return k
	}
	wantList := []string{"created_at", "decision", "flags", "id", "kind", "status", "tracking_code", "updated_at", "village_code"}
	if got := keys(list[0]); !reflect.DeepEqual(got, wantList) {
		t.Errorf("list --json keys = %v, want %v", got, wantList)
	}
	show := showJSON(t, env, list[0]["id"].(string))
	wantShow := append([]string{"fields"}, wantList...)
	sort.Strings(wantShow)
	if got := keys(show); !reflect.DeepEqual(got, wantShow) {
		t.Errorf("show --json keys = %v, want %v", got, wantShow)
	}
	f := show["fields"].(map[string]any)
	if f["nik"] != "6411015203850002" || f["biometrics"].(map[string]any)["photo"] != true {
		t.Errorf("fields = %v", f)
	}
	// The shown JSON is valid input again: other tools round-trip it.
	again, _ := json.Marshal(f)
	if r := runCLI(t, env, string(again)+"\n", "record", "ektp", "--file", "-", "--submit"); r.code != 0 {
		t.Fatalf("re-record shown fields: %d %s %s", r.code, r.out, r.err)
	}
	if n := len(listJSON(t, env, "--nik", "6411015203850002")); n != 2 {
		t.Errorf("list --nik found %d, want 2", n)
	}
	if n := len(listJSON(t, env, "--status", "submitted")); n != 1 {
		t.Errorf("list --status submitted found %d, want 1", n)
	}
}

func TestWrongPassphraseChangesNothing(t *testing.T) {
	dir := newStoreDir(t)
	env := envFor(dir)
	runCLI(t, env, fixtureLine(t, "ektp")+"\n", "record", "ektp", "--file", "-")
	bad := envFor(dir)
	bad["JEMPUT_PASSPHRASE"] = "Kata-sandi-uji-123"
	for _, args := range [][]string{{"list"}, {"record", "ektp", "--file", "-"}, {"status"}} {
		r := runCLI(t, bad, fixtureLine(t, "ektp")+"\n", args...)
		if r.code != 1 || !strings.Contains(r.err, "wrong passphrase") || strings.Count(r.err, "\n") != 1 {
			t.Errorf("%v with a wrong passphrase: %d %q", args, r.code, r.err)
		}
	}
	if n := len(listJSON(t, env)); n != 1 {
		t.Fatalf("%d records after refused commands, want 1", n)
	}
}

func TestMissingStoreIsNotCreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	r := runCLI(t, envFor(dir), "", "list")
	if r.code != 1 || !strings.Contains(r.err, "jemput-agent init") {
		t.Fatalf("list without store: %d %q", r.code, r.err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("list created a data directory")
	}
}

func TestUsage(t *testing.T) {
	env := envFor(t.TempDir())
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Commands:"},
		{[]string{"--help"}, 0, "Commands:"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"record", "--help"}, 0, "JSON Lines"},
		{[]string{"record", "--file", "-"}, 2, "needs one KIND"},
		{[]string{"record", "marriage", "--file", "-"}, 2, `unknown kind "marriage"`},
		{[]string{"record", "ektp"}, 2, "needs --file"},
		{[]string{"list", "--status", "lost"}, 2, "unknown status"},
		{[]string{"list", "--nik", "123"}, 2, "must be 16 digits"},
		{[]string{"show"}, 2, "exactly one"},
		{[]string{"list", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"list", "--lang", "fr"}, 2, "use id"},
		{[]string{"list", "--limit", "-5"}, 2, "--limit -5"},
		{[]string{"record", "ektp", "--file", "/nonexistent/x.jsonl"}, 1, "no such file"},
		{[]string{"record", "ektp", "--file", "/tmp"}, 1, "is a directory"},
	}
	for _, tt := range tests {
		r := runCLI(t, env, "", tt.args...)
		if r.code != tt.code || !strings.Contains(r.out+r.err, tt.want) {
			t.Errorf("%v: exit %d (want %d), output %q lacks %q", tt.args, r.code, tt.code, r.out+r.err, tt.want)
		}
	}
}

// TestPassphraseNormalized: the same passphrase typed as precomposed "é"
// or as "e" + combining accent unlocks the store.
func TestPassphraseNormalized(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nfc")
	nfc := map[string]string{"JEMPUT_DATA": dir, "JEMPUT_PASSPHRASE": "kopi caf\u00e9 123"}
	nfd := map[string]string{"JEMPUT_DATA": dir, "JEMPUT_PASSPHRASE": "kopi cafe\u0301 123"}
	if r := runCLI(t, nfc, "", "init"); r.code != 0 {
		t.Fatalf("init: %s", r.err)
	}
	if r := runCLI(t, nfd, "", "status"); r.code != 0 {
		t.Fatalf("decomposed passphrase refused: %s", r.err)
	}
}

// TestInitAfterInterruptedInit: a store file without its key (init killed
// during key derivation) does not block the officer: init completes it.
func TestInitAfterInterruptedInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "laptop")
	os.MkdirAll(dir, 0o755)
	db, err := store.Open(context.Background(), dbPath(dir)) // what init does before Init
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	env := map[string]string{"JEMPUT_DATA": dir, "JEMPUT_PASSPHRASE": testPass}
	if r := runCLI(t, env, "", "init"); r.code != 0 {
		t.Fatalf("init over an interrupted init: %d %q", r.code, r.err)
	}
	if r := runCLI(t, env, "", "status"); r.code != 0 {
		t.Fatalf("status: %q", r.err)
	}
	// The files are private even in a directory made with a loose mode.
	files, _ := filepath.Glob(dbPath(dir) + "*")
	for _, f := range files {
		if st, _ := os.Stat(f); st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
}

// TestRecordInputShapes covers input as people produce it: a byte-order
// mark from Notepad, two bad lines before good ones, a line far over the
// size limit, and "father": null.
func TestRecordInputShapes(t *testing.T) {
	dir := newStoreDir(t)
	env := envFor(dir)
	birth := fixtureLine(t, "birth")
	tests := []struct {
		name       string
		input      string
		code       int
		saved      int
		wantOutput string
	}{
		{"byte-order mark on a single document", "\xef\xbb\xbf" + birth, 0, 1, "saved"},
		{"byte-order mark on JSON Lines", "\xef\xbb\xbf" + birth + "\n" + birth + "\n", 0, 2, "line 2: saved"},
		{"two bad lines first", `{"child_name": "A",}` + "\n" + `{"child_name": 5}` + "\n" + birth + "\n", 1, 1, "line 3: saved"},
		{"a line over the limit", `{"late_reason": "` + strings.Repeat("x", 200<<10) + `"}` + "\n" + birth + "\n", 1, 1, "longer than the 64 KiB"},
		{"an unknown group beside a null father", strings.Replace(birth, `"father":{`, `"father":null,"x":{`, 1) + "\n", 1, 0, "unknown field"},
		{"father null", nullFather(t, birth) + "\n", 0, 1, "saved"},
	}
	total := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, env, tt.input, "record", "birth", "--file", "-")
			if r.code != tt.code || !strings.Contains(r.out+r.err, tt.wantOutput) {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s%s", r.code, tt.code, tt.wantOutput, r.out, r.err)
			}
			total += tt.saved
			if n := len(listJSON(t, env)); n != total {
				t.Fatalf("%d records in the store, want %d", n, total)
			}
		})
	}
}

func nullFather(t testing.TB, line string) string {
	var m map[string]any
	json.Unmarshal([]byte(line), &m)
	m["father"] = nil
	b, _ := json.Marshal(m)
	return string(b)
}

func TestWithdraw(t *testing.T) {
	dir := newStoreDir(t)
	env := envFor(dir)
	r := runCLI(t, env, fixtureLine(t, "death")+"\n", "record", "death", "--file", "-", "--json")
	var saved struct{ ID string }
	json.Unmarshal([]byte(r.out), &saved)
	if r := runCLI(t, env, "", "withdraw", saved.ID); r.code != 2 || !strings.Contains(r.err, "--reason") {
		t.Fatalf("withdraw without a reason: %d %q", r.code, r.err)
	}
	if r := runCLI(t, env, "", "withdraw", saved.ID, "--reason", "dicatat dua kali"); r.code != 0 {
		t.Fatalf("withdraw: %d %q", r.code, r.err)
	}
	got := showJSON(t, env, saved.ID)
	if got["status"] != "withdrawn" || got["fields"].(map[string]any)["deceased_name"] != "Hangin Lejiu" {
		t.Fatalf("withdrawn record: %v", got)
	}
	// A withdrawn record is kept but can no longer be changed or submitted.
	if r := runCLI(t, env, "", "edit", saved.ID, "death_place=Rumah"); r.code != 1 || !strings.Contains(r.err, "cannot be changed") {
		t.Fatalf("edit of a withdrawn record: %d %q", r.code, r.err)
	}
	if r := runCLI(t, env, "", "submit", saved.ID); r.code != 1 {
		t.Fatalf("submit of a withdrawn record: %d %q", r.code, r.err)
	}
	// Withdrawing again changes nothing; the op log has create + withdraw.
	if r := runCLI(t, env, "", "withdraw", saved.ID, "--reason", "lagi"); r.code != 0 {
		t.Fatalf("second withdraw: %d %q", r.code, r.err)
	}
	var st map[string]any
	json.Unmarshal([]byte(runCLI(t, env, "", "status", "--json").out), &st)
	if st["last_seq"].(float64) != 2 {
		t.Fatalf("last_seq = %v, want 2", st["last_seq"])
	}
}
