package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRoles: a role that cannot work is refused before anything
// starts, saying why.
func TestServeRoles(t *testing.T) {
	db := filepath.Join(t.TempDir(), "store.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--role", "reader"}, `--role "reader": want all, web or sync`},
		{[]string{"--role", "web", "--sync-every", "1h"}, "a node of --role web never syncs"},
		{[]string{"--role", "sync"}, "--role sync needs --sync-every"},
	} {
		code, _, stderr := runTrialfinder(t, append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, c.args...)...)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("serve %v: exit %d, stderr %q", c.args, code, stderr)
		}
	}
}
