package sim

import (
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
)

// systemMemory returns the memory this process may use: physical memory
// (MemTotal), or its cgroup's limit when that is lower, as in a container.
func systemMemory() (uint64, memoryKind) {
	return memoryOf(os.DirFS("/"))
}

// memoryOf reads root's proc and cgroup files; tests hand it a fake tree.
func memoryOf(root fs.FS) (uint64, memoryKind) {
	total := memTotal(root)
	if lim := cgroupLimit(root); lim > 0 && (total == 0 || lim < total) {
		return lim, cgroupMemory
	}
	if total > 0 {
		return total, physicalMemory
	}
	return 0, unknownMemory
}

func memTotal(root fs.FS) uint64 {
	b, err := fs.ReadFile(root, "proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// cgroupLimit returns the lowest memory limit on the way from this
// process's cgroup up to the root of its hierarchy (cgroup v2 memory.max,
// v1 memory.limit_in_bytes), or 0 when there is none.
func cgroupLimit(root fs.FS) uint64 {
	groups, err := fs.ReadFile(root, "proc/self/cgroup")
	if err != nil {
		return 0
	}
	mounts, err := fs.ReadFile(root, "proc/self/mountinfo")
	if err != nil {
		return 0
	}
	var lowest uint64
	for line := range strings.Lines(string(groups)) {
		// hierarchy-ID:controller-list:cgroup-path
		f := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(f) != 3 {
			continue
		}
		var fstype, file string
		switch {
		case f[0] == "0" && f[1] == "":
			fstype, file = "cgroup2", "memory.max"
		case hasField(f[1], "memory"):
			fstype, file = "cgroup", "memory.limit_in_bytes"
		default:
			continue
		}
		mroot, mpoint, ok := cgroupMount(string(mounts), fstype)
		if !ok {
			continue
		}
		// The process's cgroup, relative to the one mounted at mpoint; a
		// container sees its own cgroup mounted there.
		dir := mpoint
		if rel, ok := strings.CutPrefix(strings.TrimPrefix(f[2], "/"), mroot); ok && (mroot == "" || rel == "" || rel[0] == '/') {
			dir = path.Join(mpoint, rel)
		}
		for {
			if v := readLimit(root, path.Join(dir, file)); v > 0 && (lowest == 0 || v < lowest) {
				lowest = v
			}
			if dir == mpoint || !strings.HasPrefix(dir, mpoint) {
				break
			}
			dir = path.Dir(dir)
		}
	}
	return lowest
}

// cgroupMount finds the hierarchy's mount in mountinfo ("id parent dev root
// mountpoint options [optional…] - fstype source superoptions"), returning
// the cgroup mounted there and where, both without the leading slash.
func cgroupMount(mountinfo, fstype string) (mroot, mpoint string, ok bool) {
	for line := range strings.Lines(mountinfo) {
		pre, post, found := strings.Cut(line, " - ")
		if !found {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 3 || g[0] != fstype {
			continue
		}
		if fstype == "cgroup" && !hasField(g[2], "memory") {
			continue
		}
		return strings.TrimPrefix(f[3], "/"), strings.TrimPrefix(f[4], "/"), true
	}
	return "", "", false
}

func hasField(list, name string) bool {
	for f := range strings.SplitSeq(list, ",") {
		if f == name {
			return true
		}
	}
	return false
}

// readLimit returns a limit file's bytes; "max", a v1 "unlimited" (a page
// short of 2^63) or anything unreadable is 0, no limit.
func readLimit(root fs.FS, name string) uint64 {
	b, err := fs.ReadFile(root, name)
	if err != nil {
		return 0
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v >= 1<<62 {
		return 0
	}
	return v
}
