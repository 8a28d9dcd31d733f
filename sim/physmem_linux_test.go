package sim

import (
	"testing"
	"testing/fstest"
)

// memoryOf finds physical memory and the lowest cgroup limit above the
// process, for cgroup v2 and v1, on a host and in a container.
func TestMemoryOfReadsMeminfoAndCgroups(t *testing.T) {
	const gib = 1 << 30
	meminfo := &fstest.MapFile{Data: []byte("MemTotal:       25165824 kB\nMemFree:        1000 kB\n")}
	v2mount := &fstest.MapFile{Data: []byte("30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw\n40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n")}
	v2ns := &fstest.MapFile{Data: []byte("40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")}
	v1mount := &fstest.MapFile{Data: []byte("33 30 0:30 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n")}
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s + "\n")} }
	tests := []struct {
		name  string
		files fstest.MapFS
		want  uint64
		kind  memoryKind
	}{
		{"physical memory only", fstest.MapFS{"proc/meminfo": meminfo}, 24 * gib, physicalMemory},
		{"cgroup v2 limit", fstest.MapFS{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": file("0::/user.slice/run.scope"), "proc/self/mountinfo": v2mount,
			"sys/fs/cgroup/unified/user.slice/run.scope/memory.max": file("4294967296"),
			"sys/fs/cgroup/unified/user.slice/memory.max":           file("max"),
		}, 4 * gib, cgroupMemory},
		{"a parent's lower cgroup v2 limit", fstest.MapFS{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": file("0::/user.slice/run.scope"), "proc/self/mountinfo": v2mount,
			"sys/fs/cgroup/unified/user.slice/run.scope/memory.max": file("4294967296"),
			"sys/fs/cgroup/unified/user.slice/memory.max":           file("2147483648"),
		}, 2 * gib, cgroupMemory},
		{"cgroup v2 in a container's namespace", fstest.MapFS{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": file("0::/"), "proc/self/mountinfo": v2ns,
			"sys/fs/cgroup/memory.max": file("1073741824"),
		}, 1 * gib, cgroupMemory},
		{"cgroup v1 limit", fstest.MapFS{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": file("5:cpuset:/\n4:memory:/docker/abc\n1:name=systemd:/"), "proc/self/mountinfo": v1mount,
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": file("1073741824"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes":            file("9223372036854771712"),
		}, 1 * gib, cgroupMemory},
		{"cgroup v1 in a container, its cgroup mounted as the root", fstest.MapFS{
			"proc/meminfo":        meminfo,
			"proc/self/cgroup":    file("4:memory:/docker/abc"),
			"proc/self/mountinfo": file("34 30 0:31 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes": file("536870912"),
		}, gib / 2, cgroupMemory},
		{"cgroup v1 unlimited", fstest.MapFS{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": file("4:memory:/docker/abc"), "proc/self/mountinfo": v1mount,
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": file("9223372036854771712"),
		}, 24 * gib, physicalMemory},
		{"a cgroup limit above physical memory", fstest.MapFS{
			"proc/meminfo":     meminfo,
			"proc/self/cgroup": file("0::/"), "proc/self/mountinfo": v2ns,
			"sys/fs/cgroup/memory.max": file("107374182400"),
		}, 24 * gib, physicalMemory},
		{"nothing readable", fstest.MapFS{}, 0, unknownMemory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, kind := memoryOf(tt.files)
			if got != tt.want || kind != tt.kind {
				t.Fatalf("memoryOf = %d (%v), want %d (%v)", got, kind, tt.want, tt.kind)
			}
		})
	}
}
