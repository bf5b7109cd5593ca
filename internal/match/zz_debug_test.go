package match

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/trialfinder/trialfinder/internal/patient"
)

func TestZZDebug(t *testing.T) {
	id := os.Getenv("NCT")
	if id == "" {
		t.Skip()
	}
	var p patient.Profile
	if err := json.Unmarshal([]byte(os.Getenv("PROFILE")), &p); err != nil {
		t.Fatal(err)
	}
	r := checkDemo(t, id, p)
	fmt.Println(r)
	var pr func(rows []Row, d int)
	pr = func(rows []Row, d int) {
		for _, rw := range rows {
			c := rw.Criterion
			if len(c) > 110 {
				c = c[:110]
			}
			fmt.Printf("%s[%s] %-8s %s\n%s    -> %s\n", strings.Repeat("  ", d), rw.Section, rw.Status, c, strings.Repeat("  ", d), rw.Reason)
			pr(rw.Rows, d+1)
		}
	}
	pr(r.Rows, 0)
}
