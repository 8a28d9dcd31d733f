package plot

import (
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
)

func result(axes ...string) sweep.Result {
	var ax []sweep.Axis
	for _, s := range axes {
		a, err := sweep.ParseVary(s)
		if err != nil {
			panic(err)
		}
		ax = append(ax, a)
	}
	r := sweep.Result{Base: sim.DefaultConfig(), Axes: ax, Repeat: 3}
	for i, p := range sweep.Grid(ax) {
		r.Points = append(r.Points, sweep.PointResult{Point: p, Throughput: float64(1000 * (i + 1)), P99: time.Duration(i+1) * time.Millisecond})
	}
	return r
}

// The files exist, are not empty and decode as what their names say.
func TestSaveWritesDecodableFiles(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		res  sweep.Result
	}{
		{"line", result("consumers=1..16x2")},
		{"grid", result("queues=1,2", "work=100us..300us+100us")},
	} {
		pngPath := filepath.Join(dir, tc.name+".png")
		if err := Save(tc.res, pngPath); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(pngPath)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() < 300 || img.Bounds().Dy() < 300 {
			t.Fatalf("%s: %v %v", pngPath, err, img)
		}
		svgPath := filepath.Join(dir, tc.name+".svg")
		if err := Save(tc.res, svgPath); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(svgPath)
		if err != nil || len(b) < 1000 || !strings.Contains(string(b), "throughput (msgs/s)") {
			t.Fatalf("%s: %v, %d bytes", svgPath, err, len(b))
		}
		dec := xml.NewDecoder(strings.NewReader(string(b)))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", svgPath, err)
			}
		}
	}
}

func TestCheckPath(t *testing.T) {
	if CheckPath("a.png") != nil || CheckPath("b.SVG") != nil || CheckPath("c.jpg") == nil || CheckPath("noext") == nil {
		t.Fatal("extensions")
	}
}

// A sweep of one point, or one that starts at 1, draws: gonum's log
// scale panics on a range that reaches 0.
func TestSavesOnePoint(t *testing.T) {
	for _, spec := range []string{"consumers=1", "queues=1", "batch=1", "consumers=1,2"} {
		ax, err := sweep.ParseVary(spec)
		if err != nil {
			t.Fatal(err)
		}
		r := sweep.Result{Base: sim.DefaultConfig(), Axes: []sweep.Axis{ax}, Repeat: 1}
		for _, v := range ax.Values {
			r.Points = append(r.Points, sweep.PointResult{Point: sweep.Point{v}, Throughput: 1000 * v, P99: time.Millisecond})
		}
		if err := Save(r, filepath.Join(t.TempDir(), "p.png")); err != nil {
			t.Errorf("%s: %v", spec, err)
		}
	}
}

// A picture shows what was measured: a point a signal cut short, or a
// figure no run of the point measured, is not drawn as if it were, and an
// interrupted sweep says so in the picture itself.
func TestDrawsOnlyWhatWasMeasured(t *testing.T) {
	r := result("consumers=1,2,4,8")
	r.Points[1].Runs = []sim.Result{{Elapsed: time.Second}} // ran, no latency timed
	r.Points = r.Points[:3]
	r.Points[2].Interrupted = true
	r.Interrupted = true
	order, lines := series(r)
	if len(order) != 1 {
		t.Fatalf("lines %v", order)
	}
	l := lines[order[0]]
	if len(l[0]) != 2 || l[0][0].X != 1 || l[0][1].X != 2 {
		t.Errorf("throughput drawn at %v, want consumers 1 and 2 (4 was cut short)", l[0])
	}
	if len(l[1]) != 1 || l[1][0].X != 1 {
		t.Errorf("p99 drawn at %v, want consumers 1 only (2 timed no latency, 4 was cut short)", l[1])
	}
	path := filepath.Join(t.TempDir(), "p.svg")
	if err := Save(r, path); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "interrupted: 2 of 4 points finished") {
		t.Errorf("the picture of an interrupted sweep does not say so")
	}
	cut := result("consumers=1,2")
	cut.Points = cut.Points[:1]
	cut.Points[0].Interrupted, cut.Interrupted = true, true
	if err := Save(cut, filepath.Join(t.TempDir(), "p.png")); err == nil || !strings.Contains(err.Error(), "no point finished") {
		t.Errorf("a sweep whose only point was cut short: %v", err)
	}
}
