package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The html reports in a real browser: headless Chromium opens each page
// (a run, a sweep, a scenario with phases) from a file with the network
// out of reach, and the test fails on any console message (a script
// error, a blocked fetch) and on any chart with nothing drawn, as the
// page's own check reports them on its <html> element. Screenshots go to
// $MSGSIM_SCREENSHOTS (docs/img holds the ones the docs show), else to a
// temporary directory. Without Chromium the test is skipped: install it
// with apt-get install chromium. .ci/run runs it on its own.
func TestHTMLReportsInChromium(t *testing.T) {
	if os.Getenv("MSGSIM_SKIP_BROWSER") != "" {
		t.Skip("MSGSIM_SKIP_BROWSER is set (.ci/run runs this test on its own)")
	}
	browser := findChromium()
	if browser == "" {
		t.Skip("no Chromium found (apt-get install chromium); the html reports were not opened in a browser")
	}
	dir := t.TempDir()
	shots := os.Getenv("MSGSIM_SCREENSHOTS")
	if shots == "" {
		shots = dir
	}
	pages := []struct {
		name string
		args []string
	}{
		{"run", []string{"-n", "100k", "-q", "3", "-c", "2", "-b", "64", "--interval", "10ms"}},
		{"sweep", []string{"sweep", "--vary", "consumers=1,2,4", "-q", "1", "--rate", "1500", "--arrival", "poisson",
			"--work", "1ms", "--work-dist", "exp", "--work-kind", "sleep", "-d", "600ms", "--repeat", "1"}},
		{"scenario", []string{"run", "examples/ci-smoke.yaml", "--interval", "100ms"}},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			file := filepath.Join(dir, p.name+".html")
			r := msgsim(t, nil, append(p.args, "--format", "html", "-o", file, "--progress", "never")...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			dom, console := openInChromium(t, browser, file, "--dump-dom")
			if len(console) > 0 {
				t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
			}
			attr := func(name string) string {
				m := regexp.MustCompile(`<html[^>]* ` + name + `="([^"]*)"`).FindStringSubmatch(dom)
				if m == nil {
					t.Fatalf("the page's check did not run (no %s on <html>): was the page loaded?", name)
				}
				return m[1]
			}
			if attr("data-checked") != "yes" || attr("data-errors") != "" || attr("data-empty-charts") != "" || attr("data-charts") == "0" {
				t.Fatalf("page check: %s charts, empty: %q, errors: %q", attr("data-charts"), attr("data-empty-charts"), attr("data-errors"))
			}
			shot := filepath.Join(shots, "report-"+p.name+".png")
			openInChromium(t, browser, file, "--screenshot="+shot, "--window-size=900,1500", "--hide-scrollbars")
			if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
				t.Fatalf("no screenshot: %v", err)
			}
			t.Logf("screenshot: %s", shot)
		})
	}
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// openInChromium loads file in headless Chromium with extra flags and
// returns what it printed on stdout and the page's console messages.
func openInChromium(t *testing.T, browser, file string, extra ...string) (stdout string, console []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	profile := t.TempDir() // no state shared with another run of the browser
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile,
		"--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"}, extra...)
	cmd := exec.CommandContext(ctx, browser, append(args, "file://"+file)...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, errb.String())
	}
	for _, line := range strings.Split(errb.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") {
			console = append(console, line)
		}
	}
	return out.String(), console
}
