package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jemputbola/jemput/hub"
)

func cmdDevice(ctx context.Context, s stdio, args []string) error {
	if len(args) == 0 {
		return usageErr("device needs a subcommand: code, list or revoke")
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprint(s.Out, "Usage: jemput-hub device code|list|revoke [flags]\n\n"+
			"  code    a one-time enrolment code for an officer's laptop\n"+
			"  list    enrolled laptops: officer, last sync, clock skew, state\n"+
			"  revoke  stop a lost or retired laptop\n\n"+
			"jemput-hub device SUBCOMMAND --help for its flags.\n")
		return flag.ErrHelp
	case "code":
		return cmdDeviceCode(ctx, s, args[1:])
	case "list":
		return cmdDeviceList(ctx, s, args[1:])
	case "revoke":
		return cmdDeviceRevoke(ctx, s, args[1:])
	}
	return usageErr("unknown device subcommand %q (code, list, revoke)", args[0])
}

func cmdDeviceCode(ctx context.Context, s stdio, args []string) error {
	var c common
	var officer, villages string
	fs := newFlags(s, "device code", "", "Makes a one-time enrolment code (valid 7 days) for an officer's laptop.", &c, true)
	fs.StringVar(&officer, "officer", "", "the officer's name (required)")
	fs.StringVar(&villages, "villages", "", "comma-separated region codes the officer works in")
	byFlag(s, fs, &c)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(officer) == "" {
		return usageErr("--officer NAME is required")
	}
	var vs []string
	for _, v := range strings.Split(villages, ",") {
		if v = strings.TrimSpace(v); v != "" {
			vs = append(vs, v)
		}
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	code, ec, err := sess.hub.NewEnrolCode(c.actor(ctx), officer, vs)
	if err != nil {
		return err
	}
	if c.json {
		return writeJSON(s.Out, map[string]any{"code": code, "officer": ec.Officer, "villages": ec.Villages, "expires_at": ec.ExpiresAt})
	}
	fmt.Fprintf(s.Out, "Enrolment code for %s: %s\nValid until %s. On the laptop: jemput-agent enroll --hub URL --code %s\n",
		ec.Officer, code, ec.ExpiresAt.Local().Format("2006-01-02 15:04"), code)
	return nil
}

type deviceJSON struct {
	ID         string     `json:"id"`
	Officer    string     `json:"officer"`
	Villages   []string   `json:"villages"`
	EnrolledAt time.Time  `json:"enrolled_at"`
	LastSync   *time.Time `json:"last_sync"`
	SkewSec    float64    `json:"skew_seconds"`
	AppliedSeq uint64     `json:"applied_seq"`
	Revoked    bool       `json:"revoked"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	Problem    string     `json:"problem,omitempty"`
}

func cmdDeviceList(ctx context.Context, s stdio, args []string) error {
	var c common
	fs := newFlags(s, "device list", "", "Lists enrolled laptops: officer, last sync, clock skew, state.", &c, true)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	ds, err := sess.hub.Devices(ctx)
	if err != nil {
		return err
	}
	if c.json {
		out := make([]deviceJSON, 0, len(ds))
		for _, d := range ds {
			j := deviceJSON{ID: d.ID, Officer: d.Officer, Villages: d.Villages, EnrolledAt: d.EnrolledAt, SkewSec: d.Skew.Seconds(),
				AppliedSeq: d.AppliedSeq, Revoked: d.Revoked(), Problem: d.Problem}
			if !d.LastSync.IsZero() {
				j.LastSync = &d.LastSync
			}
			if d.Revoked() {
				j.RevokedAt = &d.RevokedAt
			}
			out = append(out, j)
		}
		return writeJSON(s.Out, out)
	}
	tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tOFFICER\tLAST SYNC\tSKEW\tCHANGES\tSTATE")
	for _, d := range ds {
		last := "never"
		if !d.LastSync.IsZero() {
			last = d.LastSync.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", d.ID, d.Officer, last, d.Skew, d.AppliedSeq, deviceState(d))
	}
	return tw.Flush()
}

func deviceState(d hub.Device) string {
	switch {
	case d.Revoked():
		return "revoked " + d.RevokedAt.Local().Format("2006-01-02")
	case d.Problem != "":
		return "needs attention: " + d.Problem
	}
	return "active"
}

func cmdDeviceRevoke(ctx context.Context, s stdio, args []string) error {
	var c common
	fs := newFlags(s, "device revoke", "ID", "Revokes a laptop (lost, stolen, retired): its requests are refused, and bundles\nwith changes after what it has already sent are quarantined, never applied.", &c, true)
	byFlag(s, fs, &c)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("device revoke needs one device ID (see device list)")
	}
	sess, err := open(ctx, c.data, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	d, err := sess.hub.Revoke(c.actor(ctx), pos[0])
	if err != nil {
		return err
	}
	if c.json {
		return writeJSON(s.Out, map[string]any{"id": d.ID, "revoked_at": d.RevokedAt, "cutoff_seq": d.CutoffSeq})
	}
	fmt.Fprintf(s.Out, "Revoked %s (%s) at %s; changes up to %d were applied, later ones will be quarantined.\n",
		d.ID, d.Officer, d.RevokedAt.Local().Format("2006-01-02 15:04"), d.CutoffSeq)
	return nil
}
