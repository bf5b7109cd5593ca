package upstream

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

func (p Progress) String() string {
	what := "studies"
	if p.Phase == phaseListing {
		what = "NCT IDs"
	}
	s := fmt.Sprintf("%s: page %d, %d %s", phaseNames[p.Phase], p.Pages, p.Done, what)
	if p.Total > 0 {
		s += fmt.Sprintf(" of %d (%.0f%%)", p.Total, 100*float64(p.Done)/float64(p.Total))
	}
	return s
}

var phaseNames = map[string]string{
	phaseBulk:     "bootstrap from the bulk download",
	phaseAll:      "bootstrap, every study",
	phaseUpdated:  "studies updated",
	phaseListing:  "listing every NCT ID",
	phaseRemovals: "removals",
}

// Bar returns a Progress callback that redraws one line on a terminal;
// the caller ends the line when the sync ends.
func Bar(w io.Writer) func(Progress) {
	width := 0
	return func(p Progress) {
		line := p.String()
		pad := max(width-len(line), 0) // over the end of a longer line
		width = len(line)
		fmt.Fprintf(w, "\r%s%s", line, strings.Repeat(" ", pad))
	}
}

// Log returns a Progress callback that logs at most one line per every,
// and every phase's first page, for output that is not a terminal.
func Log(l *slog.Logger, every time.Duration) func(Progress) {
	var last time.Time
	phase := ""
	return func(p Progress) {
		if p.Phase == phase && time.Since(last) < every {
			return
		}
		phase, last = p.Phase, time.Now()
		l.Info("sync progress", "phase", p.Phase, "pages", p.Pages, "done", p.Done, "total", p.Total)
	}
}
