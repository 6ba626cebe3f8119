package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jemputbola/jemput/agent"
	"github.com/jemputbola/jemput/internal/record"
)

const recordHelp = `Saves new records of KIND (ektp, birth or death) from F: one JSON object, or JSON Lines
(one record per line, for forms typed up elsewhere); "-" reads standard input.
Every record that can be read is saved as a draft, even with missing or wrong fields, and
its id and tracking code are printed as soon as it is safely on disk. A line that cannot be
read (malformed JSON, an unknown field or code) is reported by its line number and skipped.
With --submit, records without problems are submitted in the same run.
Exit status: 0 when every record was saved (and, with --submit, submitted), 1 otherwise.`

func cmdRecord(ctx context.Context, s stdio, args []string) error {
	var c common
	var file string
	var submit, confirm bool
	fs := newFlags(s, "record", "KIND --file F", recordHelp, &c, true)
	fs.StringVar(&file, "file", "", `JSON or JSON Lines file; "-" for standard input`)
	fs.BoolVar(&submit, "submit", false, "submit each record that has no problems")
	fs.BoolVar(&confirm, "confirm", false, "with --submit: confirm warnings (e.g. an unknown NIK district)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("record needs one KIND (ektp, birth or death), got %d arguments", len(pos))
	}
	spec, err := record.SpecFor(record.Kind(pos[0]))
	if err != nil {
		return usageErr("%v", err)
	}
	if file == "" {
		return usageErr(`record needs --file F (a JSON or JSON Lines file, or "-" for standard input)`)
	}
	in := s.In
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return err // already names the file
		}
		if st, err := f.Stat(); err == nil && st.IsDir() {
			f.Close()
			return fmt.Errorf("%s is a directory; --file takes a JSON or JSON Lines file", file)
		}
		defer f.Close()
		in = f
	}
	sess, err := open(ctx, s, c.data)
	if err != nil {
		return err
	}
	defer sess.Close()
	rec := &recorder{ctx: ctx, s: s, c: c, spec: spec, agent: sess.agent, submit: submit, confirm: confirm}
	if err := rec.read(in); err != nil {
		return err
	}
	return rec.finish()
}

// recorder saves records one by one as they are read, so that each is on
// disk (and acknowledged) before the next is read: a batch cut short by a
// dead battery loses nothing that was acknowledged.
type recorder struct {
	ctx             context.Context
	s               stdio
	c               common
	spec            *record.Spec
	agent           *agent.Agent
	submit, confirm bool

	lines, saved, submitted, failed int
}

// lineResult is what --json prints per record.
type lineResult struct {
	Line         int             `json:"line,omitempty"` // 0 for a single JSON document
	ID           string          `json:"id,omitempty"`
	TrackingCode string          `json:"tracking_code,omitempty"`
	Status       record.Status   `json:"status,omitempty"`
	Error        string          `json:"error,omitempty"`
	Problems     []problemOutput `json:"problems,omitempty"`
}

// read decides between one (possibly pretty-printed) JSON object and JSON
// Lines by the first two non-empty lines: if either looks like a whole
// record on one line ({...}), the input is JSON Lines, so a bad line is
// reported by number while the others are still saved; otherwise it is
// one document.
func (r *recorder) read(in io.Reader) error {
	br := bufio.NewReaderSize(in, 64<<10)
	// A byte-order mark (Windows Notepad) is not part of the JSON.
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	type numbered struct {
		no      int
		text    []byte
		tooLong bool
	}
	lineNo := 0
	var readErr error
	// next returns the next non-empty line, or false at the end of input.
	next := func() (numbered, bool) {
		for readErr == nil {
			line, tooLong, err := readLine(br)
			readErr = err
			if len(line) == 0 && err != nil {
				break
			}
			lineNo++
			if t := bytes.TrimSpace(line); len(t) > 0 {
				return numbered{lineNo, append([]byte(nil), t...), tooLong}, true
			}
		}
		return numbered{}, false
	}
	var head []numbered
	for len(head) < 2 {
		h, ok := next()
		if !ok {
			break
		}
		head = append(head, h)
	}
	if readErr != nil && readErr != io.EOF {
		return fmt.Errorf("read input: %w", readErr)
	}
	if len(head) == 0 {
		return errors.New("no records in the input")
	}
	oneLine := func(b []byte) bool { return b[0] == '{' && b[len(b)-1] == '}' }
	if !oneLine(head[0].text) && (len(head) < 2 || !oneLine(head[1].text)) {
		// One JSON document spread over several lines.
		rest, err := io.ReadAll(io.LimitReader(br, record.MaxRecordJSON+1))
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		var doc []byte
		for _, h := range head {
			doc = append(append(doc, h.text...), '\n')
		}
		fields, err := r.spec.Decode(append(doc, rest...), r.agent.Regions())
		if err != nil {
			return fmt.Errorf("%w (JSON Lines need one complete record per line)", err)
		}
		r.lines = 1
		r.save(0, fields)
		return nil
	}
	for _, h := range head {
		r.one(h.no, h.text, h.tooLong)
	}
	for {
		// Ctrl-C or SIGTERM: stop between records; everything acknowledged
		// so far is safely saved.
		if err := r.ctx.Err(); err != nil {
			fmt.Fprintf(r.s.Err, "interrupted after line %d; the records reported saved are safe\n", lineNo)
			r.failed++
			return nil
		}
		h, ok := next()
		if !ok {
			break
		}
		r.one(h.no, h.text, h.tooLong)
	}
	if readErr != io.EOF {
		return fmt.Errorf("read input after line %d: %w", lineNo, readErr)
	}
	return nil
}

// readLine reads one line, keeping at most MaxRecordJSON bytes of it; tooLong
// says the rest was dropped, so that one oversized line is reported by its
// number instead of ending the run.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) <= record.MaxRecordJSON {
			line = append(line, chunk...)
		} else {
			tooLong = true
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, tooLong, err
	}
}

func (r *recorder) one(lineNo int, line []byte, tooLong bool) {
	r.lines++
	if tooLong {
		r.failed++
		r.report(lineResult{Line: lineNo, Error: fmt.Sprintf("line is longer than the %d KiB a record may take", record.MaxRecordJSON>>10)})
		return
	}
	fields, err := r.spec.Decode(line, r.agent.Regions())
	if err != nil {
		r.failed++
		r.report(lineResult{Line: lineNo, Error: err.Error()})
		return
	}
	r.save(lineNo, fields)
}

func (r *recorder) save(lineNo int, fields record.Fields) {
	rec, err := r.agent.Capture(r.ctx, r.spec.Kind, fields)
	if err != nil {
		r.failed++
		r.report(lineResult{Line: lineNo, Error: err.Error()})
		return
	}
	r.saved++
	res := lineResult{Line: lineNo, ID: rec.ID, TrackingCode: grouped(rec.TrackingCode), Status: rec.Status}
	if r.submit {
		sub, _, err := r.agent.Submit(r.ctx, rec.ID, r.confirm)
		var verr *agent.ValidationError
		switch {
		case errors.As(err, &verr):
			res.Problems = problemsOut(verr.Spec, verr.Problems, r.c.language())
			r.failed++
		case err != nil:
			res.Error = "saved as draft, but not submitted: " + err.Error()
			r.failed++
		default:
			res.Status = sub.Status
			r.submitted++
		}
	} else if _, problems, err := r.agent.Validate(rec); err == nil {
		res.Problems = problemsOut(r.spec, problems, r.c.language())
	}
	r.report(res)
}

func (r *recorder) report(res lineResult) {
	if r.c.json {
		b, _ := json.Marshal(res)
		fmt.Fprintf(r.s.Out, "%s\n", b)
		return
	}
	where := "record"
	if res.Line > 0 {
		where = fmt.Sprintf("line %d", res.Line)
	}
	if res.Error != "" && res.ID == "" {
		fmt.Fprintf(r.s.Err, "%s: not saved: %s\n", where, res.Error)
		return
	}
	note := ""
	switch {
	case res.Error != "":
		note = " — " + res.Error
	case len(res.Problems) > 0 && r.submit:
		note = " — not submitted, fix:"
	case len(res.Problems) > 0:
		note = fmt.Sprintf(" — %d problem(s) to fix before submit", len(res.Problems))
	}
	fmt.Fprintf(r.s.Out, "%s: saved %s %s (%s)%s\n", where, res.TrackingCode, res.ID, res.Status.Label(r.c.language()), note)
	if r.submit {
		for _, p := range res.Problems {
			fmt.Fprintf(r.s.Out, "    %s\n", p.Message)
		}
	}
}

func (r *recorder) finish() error {
	if r.lines > 1 || r.failed > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "%d of %d record(s) saved", r.saved, r.lines)
		if r.submit {
			fmt.Fprintf(&b, ", %d submitted", r.submitted)
		}
		fmt.Fprintf(r.s.Err, "%s.\n", b.String())
	}
	if r.failed > 0 {
		return errReported
	}
	return nil
}
