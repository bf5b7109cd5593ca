package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is Linux's USER_HZ, the unit of the CPU times in
// /proc/PID/stat: 100 on every architecture Go supports (the kernel
// converts to it whatever its internal HZ).
const clockTicks = 100

// procStat is what loadgen reads of one /proc/PID/stat line.
type procStat struct {
	ppid int
	// cpu is user plus system time in seconds; with children, also that
	// of the children the process has waited for (a PostgreSQL
	// postmaster's ended backends).
	cpu, withChildren float64
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	// The command name, field 2, is in brackets and may hold spaces;
	// the fields counted from 3 follow its last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	// f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14-17.
	var n [5]float64
	for k, idx := range []int{1, 11, 12, 13, 14} {
		if n[k], err = strconv.ParseFloat(f[idx], 64); err != nil {
			return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
	}
	cpu := (n[1] + n[2]) / clockTicks
	return procStat{ppid: int(n[0]), cpu: cpu, withChildren: cpu + (n[3]+n[4])/clockTicks}, nil
}

// processCPU returns the CPU seconds pid has used.
func processCPU(pid int) (float64, error) {
	st, err := readProcStat(pid)
	return st.cpu, err
}

// treeCPU returns the CPU seconds used by root, its live children and the
// children it has waited for: for a PostgreSQL postmaster, every backend
// and background process of the server, including backends that ended
// since the last reading.
func treeCPU(root int) (float64, error) {
	st, err := readProcStat(root)
	if err != nil {
		return 0, err
	}
	total := st.withChildren
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil || pid == root {
			continue
		}
		if c, err := readProcStat(pid); err == nil && c.ppid == root {
			total += c.withChildren
		}
	}
	return total, nil
}

// cpuMeter measures the CPU a run costs each process it watches.
type cpuMeter struct {
	names  []string
	read   []func() (float64, error)
	before []float64
}

func (m *cpuMeter) watch(name string, read func() (float64, error)) {
	m.names = append(m.names, name)
	m.read = append(m.read, read)
}

func (m *cpuMeter) start() error {
	m.before = make([]float64, len(m.read))
	for i, r := range m.read {
		v, err := r()
		if err != nil {
			return fmt.Errorf("CPU of %s: %w", m.names[i], err)
		}
		m.before[i] = v
	}
	return nil
}

// report prints each watched process's CPU over the run, in all and per
// request.
func (m *cpuMeter) report(w io.Writer, requests int) error {
	for i, r := range m.read {
		v, err := r()
		if err != nil {
			return fmt.Errorf("CPU of %s: %w", m.names[i], err)
		}
		used := v - m.before[i]
		if _, err := fmt.Fprintf(w, "CPU of %s: %.2f s, %.3f ms per request\n", m.names[i], used, 1000*used/float64(max(requests, 1))); err != nil {
			return err
		}
	}
	return nil
}
