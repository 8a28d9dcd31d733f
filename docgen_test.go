package main

// docs/cli.md is generated from the app's own commands and flags, so no
// documented flag can be missing and no flag undocumented:
//
//	go test . -run TestCLIReference -update

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

var update = flag.Bool("update", false, "rewrite docs/cli.md from the app's flag definitions")

const cliDoc = "docs/cli.md"

// cliReference renders the reference: the commands, then each command's
// usage and flags. Flags every running command shares are listed once,
// under msgsim; the others list what they add or change.
func cliReference() string {
	app := newApp(io.Discard, io.Discard)
	var b strings.Builder
	b.WriteString("# CLI reference\n\n")
	b.WriteString("<!-- Generated from the app's flag definitions by `go test . -run TestCLIReference -update`; do not edit by hand. -->\n\n")
	b.WriteString("Every flag can also be set in the environment, as the column says; a flag on the command line wins. " +
		"Counts take human numbers (`10k`, `2.5M`, `1e6`, `1_000_000`), durations Go's (`500us`, `2s`, `1m30s`). " +
		"What a run checks and how it ends: [run.md](run.md); the report formats: [formats.md](formats.md).\n\n")
	b.WriteString("| command | what it does |\n|---|---|\n")
	b.WriteString(fmt.Sprintf("| [`msgsim`](#msgsim) | %s |\n", app.Usage))
	for _, c := range app.Commands {
		b.WriteString(fmt.Sprintf("| [`msgsim %s`](#msgsim-%s) | %s |\n", c.Name, c.Name, c.Usage))
	}
	section(&b, "msgsim", app.UsageText, app.Description, app.Flags, nil)
	for _, c := range app.Commands {
		section(&b, "msgsim "+c.Name, c.UsageText, c.Description, c.Flags, app.Flags)
	}
	return b.String()
}

func section(b *strings.Builder, name, usage, desc string, flags, shared []cli.Flag) {
	fmt.Fprintf(b, "\n## %s\n\n```\n%s\n```\n", name, usage)
	if desc != "" {
		fmt.Fprintf(b, "\n```\n%s\n```\n", desc)
	}
	// A command that lacks some of msgsim's flags (compare) lists its own
	// in full: "every flag of msgsim" would promise what it does not take.
	for _, sf := range shared {
		if sf != cli.HelpFlag && !slices.ContainsFunc(flags, func(f cli.Flag) bool { return f.Names()[0] == sf.Names()[0] }) {
			shared = nil
			break
		}
	}
	var own []cli.Flag
	for _, f := range flags {
		if f == cli.HelpFlag {
			continue
		}
		if i := slices.IndexFunc(shared, func(s cli.Flag) bool { return s.Names()[0] == f.Names()[0] }); i >= 0 && defaultOf(shared[i]) == defaultOf(f) {
			continue
		}
		own = append(own, f)
	}
	switch {
	case len(own) == 0 && len(flags) == 0:
		return
	case len(own) == 0:
		b.WriteString("\nEvery flag of [`msgsim`](#msgsim).\n")
		return
	case shared != nil && len(flags) > len(own):
		b.WriteString("\nEvery flag of [`msgsim`](#msgsim), and these (or with these defaults):\n")
	}
	b.WriteString("\n| flag | default | environment | meaning |\n|---|---|---|---|\n")
	for _, f := range own {
		var names []string
		for _, n := range f.Names() {
			names = append(names, "`"+dashed(n)+"`")
		}
		env := ""
		if e, ok := f.(interface{ GetEnvVars() []string }); ok && len(e.GetEnvVars()) > 0 {
			env = "`$" + e.GetEnvVars()[0] + "`"
		}
		usage := ""
		if u, ok := f.(interface{ GetUsage() string }); ok {
			usage = u.GetUsage()
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", strings.Join(names, ", "), defaultOf(f), env, strings.ReplaceAll(usage, "|", `\|`))
	}
}

func defaultOf(f cli.Flag) string {
	switch f := f.(type) {
	case *cli.BoolFlag:
		return fmt.Sprintf("`%t`", f.Value)
	case *cli.StringFlag:
		if f.Value != "" {
			return "`" + f.Value + "`"
		}
	}
	return ""
}

func TestCLIReference(t *testing.T) {
	want := cliReference()
	if *update {
		if err := os.WriteFile(cliDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(cliDoc)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s does not match the app's flags: run go test . -run TestCLIReference -update and review the diff", cliDoc)
	}
}

// TestCLIReferenceWalksEveryFlag reads the reference as a user would: every
// flag of every command is in its command's table (or msgsim's, which
// every running command takes), and every flag a table names exists.
func TestCLIReferenceWalksEveryFlag(t *testing.T) {
	doc, err := os.ReadFile(cliDoc)
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	for _, s := range strings.Split(string(doc), "\n## ")[1:] {
		title, body, _ := strings.Cut(s, "\n")
		sections[title] = body
	}
	row := regexp.MustCompile("(?m)^\\| `(-[^`]+)`")
	app := newApp(io.Discard, io.Discard)
	commands := map[string][]cli.Flag{"msgsim": app.Flags}
	for _, c := range app.Commands {
		commands["msgsim "+c.Name] = c.Flags
	}
	for name, flags := range commands {
		body, ok := sections[name]
		if !ok {
			t.Errorf("%s has no section", name)
			continue
		}
		documented := map[string]bool{}
		for _, m := range row.FindAllStringSubmatch(body, -1) {
			documented[m[1]] = true
		}
		if strings.Contains(body, "Every flag of [`msgsim`]") {
			for _, m := range row.FindAllStringSubmatch(sections["msgsim"], -1) {
				documented[m[1]] = true
			}
		}
		defined := map[string]bool{}
		for _, f := range flags {
			if f == cli.HelpFlag {
				continue
			}
			defined[dashed(f.Names()[0])] = true
			if !documented[dashed(f.Names()[0])] {
				t.Errorf("%s: %s is not in the reference", name, dashed(f.Names()[0]))
			}
		}
		for d := range documented {
			if !defined[d] {
				t.Errorf("%s: the reference documents %s, which the command does not have", name, d)
			}
		}
	}
}
