package trialpage

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func dumpItems(items []Item, depth int) {
	for _, it := range items {
		fmt.Printf("%s• %.110s\n", strings.Repeat("    ", depth), it.Text)
		dumpItems(it.Children, depth+1)
	}
}

func TestDump(t *testing.T) {
	recs := loadCriteria(t)
	for _, id := range strings.Fields(os.Getenv("DUMP")) {
		c := SplitCriteria(recs[id])
		fmt.Println("=====", id)
		fmt.Println("-- general"); dumpItems(c.General, 0)
		fmt.Println("-- inclusion"); dumpItems(c.Inclusion, 0)
		fmt.Println("-- exclusion"); dumpItems(c.Exclusion, 0)
	}
}
