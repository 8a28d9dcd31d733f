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
