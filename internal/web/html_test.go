package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// doc is a parsed page.
type doc struct {
	t    testing.TB
	root *html.Node
}

func parse(t testing.TB, body string) doc {
	t.Helper()
	n, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc{t, n}
}

// page fetches path, checks it answered with code, and parses it.
func (ts *testSite) page(t testing.TB, path string, code int) (doc, *http.Response) {
	t.Helper()
	res, body := ts.get(t, path)
	if res.StatusCode != code {
		t.Fatalf("GET %s: status %d, want %d", path, res.StatusCode, code)
	}
	return parse(t, body), res
}

func (d doc) all(sel string) []*html.Node { return all(d.root, sel) }

func all(n *html.Node, sel string) []*html.Node {
	return cascadia.MustCompile(sel).MatchAll(n)
}

func (d doc) one(sel string) *html.Node {
	d.t.Helper()
	n := cascadia.MustCompile(sel).MatchFirst(d.root)
	if n == nil {
		d.t.Fatalf("no element matches %q", sel)
	}
	return n
}

// text is an element's text content with white space collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return squash(b.String())
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

func texts(ns []*html.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = text(n)
	}
	return out
}

// checkCommon checks what every HTML page must have: one h1, landmarks,
// a skip link to main, a label for every form control, no style
// attributes, and no script but the site's own files and the nonce'd
// JSON-LD block.
func checkCommon(t *testing.T, d doc, res *http.Response) {
	t.Helper()
	if n := len(d.all("h1")); n != 1 {
		t.Errorf("%d h1 elements, want 1", n)
	}
	for _, sel := range []string{"header", "nav", "main#main", "footer", `a.skip[href="#main"]`, "html[lang=en]", `meta[name=viewport]`} {
		if len(d.all(sel)) == 0 {
			t.Errorf("no %s", sel)
		}
	}
	for _, c := range d.all("input:not([type=hidden]), select, textarea") {
		id := attr(c, "id")
		if id == "" || len(d.all(`label[for="`+id+`"]`)) == 0 {
			t.Errorf("form control %s name=%q has no label", c.Data, attr(c, "name"))
		}
	}
	if n := d.all("[style]"); len(n) > 0 {
		t.Errorf("%d elements with a style attribute", len(n))
	}
	if len(d.all("style")) > 0 {
		t.Error("inline <style> element")
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, s := range d.all("script") {
		switch {
		case attr(s, "src") != "":
			if !strings.HasPrefix(attr(s, "src"), "/static/") {
				t.Errorf("script from %s", attr(s, "src"))
			}
		case attr(s, "type") == "application/ld+json":
			if nonce := attr(s, "nonce"); nonce == "" || !strings.Contains(csp, "'nonce-"+nonce+"'") {
				t.Errorf("JSON-LD block nonce %q not in CSP %q", nonce, csp)
			}
		default:
			t.Errorf("inline script: %s", text(s))
		}
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Permissions-Policy"} {
		if res.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "style-src 'self'") {
		t.Errorf("CSP not strict: %s", csp)
	}
	if pp := res.Header.Get("Permissions-Policy"); !strings.Contains(pp, "geolocation=(self)") {
		t.Errorf("Permissions-Policy %q does not allow geolocation for the site itself", pp)
	}
}
