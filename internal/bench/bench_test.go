package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// A kind none of whose requests finish before the run ends must still
// show in the report, with how long its requests waited, rather than
// vanish from it.
func TestRunReportsCutOffRequests(t *testing.T) {
	mix := []Query{{Kind: "slow", Paths: []string{"/slow"}}, {Kind: "fast", Paths: []string{"/fast"}}}
	send := func(ctx context.Context, _, path, _ string) (int, error) {
		if path == "/slow" {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		time.Sleep(time.Millisecond)
		return 200, nil
	}
	opt := Options{Clients: 2, Duration: 300 * time.Millisecond}
	rep := Run(context.Background(), send, mix, opt)
	slow, fast := rep.Kinds[0], rep.Kinds[1]
	if slow.Requests != 0 || slow.Errors != 0 || slow.Unfinished != 2 {
		t.Errorf("slow: %d requests, %d errors, %d unfinished; want 0, 0, 2 (one per client)", slow.Requests, slow.Errors, slow.Unfinished)
	}
	if slow.Waited < opt.Duration/2 {
		t.Errorf("slow: longest wait %s, want about the run's %s", slow.Waited, opt.Duration)
	}
	if fast.Requests == 0 || fast.Unfinished != 0 || len(fast.Latencies) != fast.Requests {
		t.Errorf("fast: %d requests, %d latencies, %d unfinished", fast.Requests, len(fast.Latencies), fast.Unfinished)
	}
	if rep.Overall.Unfinished != 2 || rep.Overall.Requests != fast.Requests {
		t.Errorf("overall: %d requests, %d unfinished; want %d and 2", rep.Overall.Requests, rep.Overall.Unfinished, fast.Requests)
	}
	var b bytes.Buffer
	if err := rep.Write(&b); err != nil {
		t.Fatal(err)
	}
	line := ""
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "slow") {
			line = l
		}
	}
	if !strings.Contains(line, " 2 (") {
		t.Errorf("the report's slow line does not say 2 were cut off: %q", line)
	}
}
