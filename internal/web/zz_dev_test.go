package web

import (
	"net/http"
	"os"
	"testing"
)

func TestDevServe(t *testing.T) {
	if os.Getenv("DEV_SERVE") == "" {
		t.Skip()
	}
	ts := newTestSite(t)
	http.ListenAndServe("127.0.0.1:8089", ts.handler)
}
