//go:build !unix

package eligibility

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
