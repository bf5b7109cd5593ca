package ingest

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
)

// reportProgress calls opt.Progress every opt.ProgressEvery until the
// returned stop is called, which reports once more with Done set.
func reportProgress(opt Options, start time.Time, total int64, records, bytesRead *atomic.Int64) (stop func()) {
	if opt.Progress == nil {
		return func() {}
	}
	snapshot := func(done bool) Progress {
		return Progress{Records: records.Load(), Bytes: bytesRead.Load(), TotalBytes: total, Elapsed: time.Since(start), Done: done}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(orDefault(opt.ProgressEvery, time.Second))
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				opt.Progress(snapshot(false))
			case <-quit:
				opt.Progress(snapshot(true))
				return
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}

// Rate is records per second so far.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Records) / p.Elapsed.Seconds()
}

// ETA estimates the time left from the share of input bytes read; 0 when
// it cannot tell.
func (p Progress) ETA() time.Duration {
	if p.Bytes <= 0 || p.TotalBytes <= p.Bytes {
		return 0
	}
	left := float64(p.TotalBytes-p.Bytes) / float64(p.Bytes) * float64(p.Elapsed)
	return time.Duration(left).Round(time.Second)
}

// Bar returns a Progress callback that redraws one line on a terminal:
// "  12,345 records  3,210/s  120.0 MB of 1.2 GB  10%  ETA 4m12s".
func Bar(w io.Writer) func(Progress) {
	width := 0
	return func(p Progress) {
		line := fmt.Sprintf("%s records  %s/s  %s", group(p.Records), group(int64(p.Rate())), size(p.Bytes))
		if p.TotalBytes > 0 {
			line += fmt.Sprintf(" of %s  %3.0f%%", size(p.TotalBytes), 100*float64(p.Bytes)/float64(p.TotalBytes))
			if eta := p.ETA(); eta > 0 && !p.Done {
				line += "  ETA " + eta.String()
			}
		}
		// Pad over the end of a longer previous line.
		pad := max(width-len(line), 0)
		width = len(line)
		fmt.Fprintf(w, "\r%s%s", line, strings.Repeat(" ", pad))
		if p.Done {
			fmt.Fprintln(w)
		}
	}
}

// Log returns a Progress callback that writes one log record per call,
// for output that is not a terminal.
func Log(l *slog.Logger) func(Progress) {
	return func(p Progress) {
		msg := "ingest progress"
		if p.Done {
			msg = "ingest done"
		}
		l.Info(msg, "records", p.Records, "rate", int64(p.Rate()), "bytes", p.Bytes,
			"totalBytes", p.TotalBytes, "eta", p.ETA().String())
	}
}

// group writes n with thousands separators.
func group(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// size writes a byte count in decimal units.
func size(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
