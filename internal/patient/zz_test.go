package patient

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

func TestZZNote(t *testing.T) {
	n := os.Getenv("NOTE")
	if n == "" {
		t.Skip()
	}
	p, src := FromText(n)
	b, _ := json.MarshalIndent(p, "", " ")
	fmt.Println(string(b))
	_ = src
}
