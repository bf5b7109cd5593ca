package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static templates
var embedded embed.FS

// assets serves the embedded static files under content-hashed names
// ("site.3f2a1c9b.css"), so browsers may cache them for a year and a new
// release is fetched at once.
type assets struct {
	byName map[string]*asset // logical name ("site.css") → asset
	byURL  map[string]*asset // hashed path below /static/ → asset
}

type asset struct {
	url   string
	etag  string
	ctype string
	body  []byte
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]*asset{}, byURL: map[string]*asset{}}
	err := fs.WalkDir(embedded, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hash + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		x := &asset{url: "/static/" + hashed, etag: `"` + hash + `"`, ctype: ctype, body: body}
		a.byName[name] = x
		a.byURL[hashed] = x
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static assets: %w", err)
	}
	return a, nil
}

// url returns the hashed URL of a static file; templates call it as
// {{asset "site.css"}}, and a missing file fails the page rather than
// linking to nothing.
func (a *assets) url(name string) (string, error) {
	x, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return x.url, nil
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x, ok := a.byURL[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", x.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", x.etag)
	if r.Header.Get("If-None-Match") == x.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(x.body)
}

// parseTemplates builds one template set per page: the shared layout and
// partials plus the page's own file, which defines "content".
func parseTemplates(a *assets) (map[string]*template.Template, error) {
	funcs := template.FuncMap{"asset": a.url}
	for k, v := range helpers {
		funcs[k] = v
	}
	base, err := template.New("").Funcs(funcs).ParseFS(embedded, "templates/layout.html", "templates/partials.html", "templates/history.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	pages, err := fs.Glob(embedded, "templates/page_*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		t, err := template.Must(base.Clone()).ParseFS(embedded, p)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(path.Base(p), "page_"), ".html")
		out[name] = t
	}
	return out, nil
}
