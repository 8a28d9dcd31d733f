package report

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"

	"github.com/msgsim/msgsim/units"
)

// The html format: one self-contained page (docs/reports.md). Its data is
// the json document, embedded as a data island and drawn from it, so the
// page and the json cannot disagree; its charts are inline SVG (svg.go).
// A Content-Security-Policy forbids every fetch, so a page that tried one
// would show an error in the browser's console, which the browser test
// fails on.

// selfCheck runs when the page has loaded: it notes script errors and
// blocked fetches, and any chart with nothing drawn in it, on the <html>
// element, where a headless browser's DOM dump shows them. It changes
// nothing a reader sees.
const selfCheck = `(function () {
  var errors = [];
  window.addEventListener("error", function (e) { errors.push("error: " + e.message); });
  document.addEventListener("securitypolicyviolation", function (e) {
    errors.push("blocked: " + e.violatedDirective + " " + e.blockedURI);
  });
  window.addEventListener("load", function () {
    var charts = document.querySelectorAll("svg.chart"), empty = [];
    for (var i = 0; i < charts.length; i++) {
      var marks = charts[i].querySelectorAll(".mark"), drawn = 0;
      for (var k = 0; k < marks.length; k++) {
        var box = marks[k].getBBox();
        if (box.width > 0 || box.height > 0) drawn++;
      }
      if (drawn === 0) empty.push(charts[i].id);
    }
    var root = document.documentElement;
    root.setAttribute("data-charts", String(charts.length));
    root.setAttribute("data-empty-charts", empty.join(" "));
    root.setAttribute("data-errors", errors.join(" | "));
    root.setAttribute("data-checked", "yes");
  });
})();`

const pageStyle = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1000px;padding:16px 24px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:4px 0 8px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.verdict{padding:8px 12px;border-radius:6px;margin:8px 0;font-weight:600}.pass{background:#dafbe1;color:#116329}.fail{background:#ffebe9;color:#a40e26}
.line-note{color:#57606a;margin:4px 0}
table{border-collapse:collapse;margin:6px 0 4px;font-variant-numeric:tabular-nums}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#f6f8fa}tfoot td{font-weight:600;background:#f6f8fa}
.note{white-space:pre-wrap;color:#57606a;font-size:13px;margin:2px 0 10px}
svg.chart{width:100%;max-width:760px;height:auto;display:block;margin:8px 0}
svg text{font:11px system-ui,sans-serif;fill:#1b1f24}svg .title{font-weight:600;font-size:12px}
svg .ytick{text-anchor:end}svg .xtick,svg .xlabel{text-anchor:middle}svg .ylabel{text-anchor:middle}
svg .grid{stroke:#eaeef2}svg .band rect{fill:#f1f4f8}svg .band:nth-of-type(even) rect{fill:#e6ebf1}svg .band text{fill:#57606a}
svg .line{fill:none;stroke-width:1.8}svg .predicted .line{stroke-dasharray:5 3}svg .predicted .point{fill-opacity:.35}
svg .knee line{stroke:#cf222e;stroke-dasharray:3 3}svg .knee text{fill:#cf222e}
svg .legend line{stroke-width:2.5}
.s0 .line,.s0 line{stroke:#0969da}.s0 .point,.s0 .bar{fill:#0969da}.s1 .line,.s1 line{stroke:#bf3989}.s1 .point{fill:#bf3989}
.s2 .line,.s2 line{stroke:#1a7f37}.s2 .point{fill:#1a7f37}.s3 .line,.s3 line{stroke:#9a6700}.s3 .point{fill:#9a6700}
.s4 .line,.s4 line{stroke:#8250df}.s4 .point{fill:#8250df}.s5 .line,.s5 line{stroke:#cf222e}.s5 .point{fill:#cf222e}
.s6 .line,.s6 line{stroke:#57606a}.s6 .point{fill:#57606a}.s7 .line,.s7 line{stroke:#0550ae}.s7 .point{fill:#0550ae}
footer{color:#57606a;font-size:12px;margin-top:28px}`

// page is what every html report holds, in order.
type page struct {
	title    string
	heading  string   // the config line
	verdict  string   // one line
	passed   bool     // colours the verdict
	lines    []string // what else to say before the charts
	sections []pageSection
	footer   string
	data     any // the json document, embedded as it is
}

type pageSection struct {
	heading string
	charts  []svgChart
	tables  []table
	text    string
}

// render writes the page; the script's hash is in the policy, so it is
// the only script that can run, and nothing can be fetched.
func (p page) render(w io.Writer) error {
	data, err := json.Marshal(p.data) // escapes <, > and &, so the island cannot end early
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(selfCheck))
	csp := "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	e := html.EscapeString
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(ew, "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n", e(csp))
	fmt.Fprintf(ew, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n", e(p.title))
	fmt.Fprintf(ew, "<style>\n%s\n</style>\n<script>%s</script>\n</head>\n<body>\n", pageStyle, selfCheck)
	fmt.Fprintf(ew, "<h1>%s</h1>\n<p class=\"line-note\">%s</p>\n", e(p.title), e(p.heading))
	class := "fail"
	if p.passed {
		class = "pass"
	}
	fmt.Fprintf(ew, "<p class=\"verdict %s\" id=\"verdict\">%s</p>\n", class, e(p.verdict))
	for _, l := range p.lines {
		fmt.Fprintf(ew, "<p class=\"line-note\">%s</p>\n", e(l))
	}
	for _, s := range p.sections {
		fmt.Fprintf(ew, "<section>\n<h2>%s</h2>\n", e(s.heading))
		if s.text != "" {
			fmt.Fprintf(ew, "<p class=\"note\">%s</p>\n", e(s.text))
		}
		for _, c := range s.charts {
			if len(c.lines) > 0 { // a chart with nothing to draw says why instead
				fmt.Fprintf(ew, "%s\n", c.svg())
			}
			if c.note != "" {
				fmt.Fprintf(ew, "<p class=\"note\">%s</p>\n", e(c.note))
			}
		}
		for _, t := range s.tables {
			writeHTMLTable(ew, t)
		}
		fmt.Fprintf(ew, "</section>\n")
	}
	fmt.Fprintf(ew, "<footer>%s</footer>\n", e(p.footer))
	fmt.Fprintf(ew, "<script type=\"application/json\" id=\"msgsim-data\">%s</script>\n</body>\n</html>\n", data)
	return ew.err
}

// writeHTMLTable writes one of the tables the text formats show.
func writeHTMLTable(w io.Writer, t table) {
	e := html.EscapeString
	if t.title != "" {
		fmt.Fprintf(w, "<h3 class=\"line-note\">%s</h3>\n", e(t.title))
	}
	if t.header != nil {
		fmt.Fprintf(w, "<table>\n<thead><tr>")
		for _, h := range t.header {
			fmt.Fprintf(w, "<th>%s</th>", e(h))
		}
		fmt.Fprintf(w, "</tr></thead>\n<tbody>\n")
		for _, r := range t.rows {
			fmt.Fprintf(w, "<tr>")
			for _, c := range r {
				fmt.Fprintf(w, "<td>%s</td>", e(c))
			}
			fmt.Fprintf(w, "</tr>\n")
		}
		fmt.Fprintf(w, "</tbody>\n")
		if t.footer != nil {
			fmt.Fprintf(w, "<tfoot><tr>")
			for _, c := range t.footer {
				fmt.Fprintf(w, "<td>%s</td>", e(c))
			}
			fmt.Fprintf(w, "</tr></tfoot>\n")
		}
		fmt.Fprintf(w, "</table>\n")
	}
	if t.note != "" {
		fmt.Fprintf(w, "<p class=\"note\">%s</p>\n", e(t.note))
	}
}

// Axis labels.

func nsLabel(v float64) string { return units.Duration(time.Duration(v)) }

func rateLabel(v float64) string { return units.Rate(v) }

func secondsLabel(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%.3g", v), ".0") + "s" }

func countLabel(v float64) string { return units.Int(int64(math.Round(v))) }

// spectrumX places a percentile on HdrHistogram's axis, 1/(1−p).
func spectrumX(percentile float64) float64 { return 1 / (1 - percentile/100) }

// spectrumTicks are 0%, 90%, 99%, … 99.999% on that axis.
var spectrumTicks = []float64{1, 10, 100, 1e3, 1e4, 1e5}

func percentileLabel(x float64) string {
	p := 100 * (1 - 1/x)
	if p <= 0 {
		return "0%"
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", p), "0"), ".") + "%"
}
