package ctgov

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestScratchScan(t *testing.T) {
	for _, p := range strings.Split(os.Getenv("SCR"), ",") {
		var s Scanner
		var read int64
		s.OnRead = func(n int64) { read += n }
		counts := map[string]int{}
		shown := 0
		err := s.Scan(context.Background(), p, func(e Entry) error {
			k := e.Format.String()
			if e.Err != nil {
				k = "ERR"
			}
			counts[k]++
			if (e.Err != nil || shown < 3) && shown < 12 {
				shown++
				fmt.Printf("  %s | %d bytes | %v\n", e.Where(), len(e.Data), e.Err)
			}
			return nil
		})
		fmt.Println(p, counts, "read", read, "total", TotalSize([]string{p}), err)
	}
}
