// Package upstreamtest is a local ClinicalTrials.gov for tests: an HTTP
// server that serves records as the real API v2 does and injects faults
// on demand.
package upstreamtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fake is a local ClinicalTrials.gov: it serves records as the real API
// v2 does (/version; /studies with its page envelope, nextPageToken,
// totalCount, the LastUpdatePostDate range of filter.advanced, filter.ids
// and fields=NCTId) and injects faults on demand.
type Fake struct {
	t  testing.TB
	mu sync.Mutex
	// records by NCT ID, as published.
	records       map[string]record
	dataTimestamp string
	// faults are injected one per request, in order, into the requests
	// that match them.
	faults []Fault
	// epoch is in every page token; bumping it expires them all.
	epoch int
	// requests counts the requests answered; onRequest, if set, is
	// called with the count before each is answered (see OnRequest).
	requests  int
	onRequest func(n int)
}

// record is a published record and its last-update-posted date.
type record struct {
	raw     []byte
	updated string
}

// Fault is one injected failure. It applies to the next request to path
// ("/studies" or "/version"); listing limits it to fields=NCTId requests,
// token to requests with a page token.
type Fault struct {
	// Kind: "500", "429" (with RetryAfter), "slow" (answers after Slow),
	// "drop" (hangs up mid-body), "invalid" (a page cut off), "envelope"
	// (JSON that is not a page), "expire" (page tokens expire), "short"
	// (the listing ends at this page).
	Kind           string
	Path           string
	Listing, Token bool
	RetryAfter     string
	Slow           time.Duration
}

// New starts a fake serving raws, with data timestamp dataTimestamp.
func New(t testing.TB, raws [][]byte, dataTimestamp string) (*Fake, *httptest.Server) {
	f := &Fake{t: t, records: map[string]record{}, dataTimestamp: dataTimestamp}
	for _, raw := range raws {
		f.Put(raw)
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

type recordKeys struct {
	ProtocolSection struct {
		IdentificationModule struct {
			NCTID string `json:"nctId"`
		} `json:"identificationModule"`
		StatusModule struct {
			LastUpdate struct {
				Date string `json:"date"`
			} `json:"lastUpdatePostDateStruct"`
		} `json:"statusModule"`
	} `json:"protocolSection"`
}

// KeysOf returns a record's NCT ID and last-update-posted date.
func KeysOf(t testing.TB, raw []byte) (id, updated string) {
	t.Helper()
	var k recordKeys
	if err := json.Unmarshal(raw, &k); err != nil {
		t.Fatal(err)
	}
	return k.ProtocolSection.IdentificationModule.NCTID, k.ProtocolSection.StatusModule.LastUpdate.Date
}

// Put publishes (or replaces) a record.
func (f *Fake) Put(raw []byte) {
	id, updated := KeysOf(f.t, raw)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records[id] = record{raw: raw, updated: updated}
}

// Remove withdraws a study.
func (f *Fake) Remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.records, id)
}

// SetTimestamp sets the data timestamp /version answers.
func (f *Fake) SetTimestamp(ts string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dataTimestamp = ts
}

// Inject queues faults.
func (f *Fake) Inject(fs ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, fs...)
}

// Requests is how many requests the fake has answered.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// PendingFaults is how many queued faults no request has met yet.
func (f *Fake) PendingFaults() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.faults)
}

// takeFault removes and returns the first fault that applies to r.
func (f *Fake) takeFault(r *http.Request) (Fault, bool) {
	q := r.URL.Query()
	for i, x := range f.faults {
		if x.Path != "" && x.Path != r.URL.Path || x.Listing && q.Get("fields") != "NCTId" || x.Token && !q.Has("pageToken") {
			continue
		}
		f.faults = slices.Delete(f.faults, i, i+1)
		return x, true
	}
	return Fault{}, false
}

var rangeFilter = regexp.MustCompile(`^AREA\[LastUpdatePostDate\]RANGE\[(\d{4}-\d{2}-\d{2}),MAX\]$`)

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	n, hook := f.requests, f.onRequest
	x, faulty := f.takeFault(r)
	if faulty && x.Kind == "expire" {
		f.epoch++
	}
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	if faulty {
		switch x.Kind {
		case "500":
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		case "429":
			w.Header().Set("Retry-After", x.RetryAfter)
			http.Error(w, "too many requests", http.StatusTooManyRequests)
			return
		case "slow":
			select {
			case <-time.After(x.Slow):
			case <-r.Context().Done():
			}
		}
	}
	var body []byte
	status := http.StatusOK
	switch r.URL.Path {
	case "/version":
		f.mu.Lock()
		body, _ = json.Marshal(map[string]string{"apiVersion": "2.0.5", "dataTimestamp": f.dataTimestamp})
		f.mu.Unlock()
	case "/studies":
		body, status = f.studies(r, x.Kind == "short")
	default:
		http.NotFound(w, r)
		return
	}
	switch x.Kind {
	case "invalid":
		body = body[:len(body)*2/3] // a page cut off: invalid JSON
	case "envelope":
		body = []byte(`{"error": "something else"}`)
	case "drop":
		// Promise the whole page, send half, and hang up.
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body[:len(body)/2])
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if status != http.StatusOK {
		w.Header().Set("Content-Type", "text/plain")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	w.Write(body)
}

// studies answers /studies; short ends the listing at this page.
func (f *Fake) studies(r *http.Request, short bool) ([]byte, int) {
	q := r.URL.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	size := 10
	if s := q.Get("pageSize"); s != "" {
		var err error
		if size, err = strconv.Atoi(s); err != nil || size < 0 || size > 1000 {
			return []byte("pageSize must be 0 to 1000"), http.StatusBadRequest
		}
	}
	after := ""
	if tok := q.Get("pageToken"); tok != "" {
		epoch, id, ok := strings.Cut(tok, ":")
		if !ok || epoch != strconv.Itoa(f.epoch) {
			return []byte("invalid or expired pageToken"), http.StatusBadRequest
		}
		after = id
	}
	since := ""
	if adv := q.Get("filter.advanced"); adv != "" {
		m := rangeFilter.FindStringSubmatch(adv)
		if m == nil {
			return []byte("the fake understands only a LastUpdatePostDate range"), http.StatusBadRequest
		}
		since = m[1]
	}
	var only map[string]bool
	if ids := q.Get("filter.ids"); ids != "" {
		only = map[string]bool{}
		for _, id := range strings.FieldsFunc(ids, func(r rune) bool { return r == ',' || r == '|' }) {
			only[id] = true
		}
	}
	var match []string
	for id, r := range f.records {
		if r.updated < since || only != nil && !only[id] {
			continue
		}
		match = append(match, id)
	}
	slices.Sort(match)
	start, _ := slices.BinarySearch(match, after)
	if start < len(match) && match[start] == after {
		start++
	}
	end := min(start+size, len(match))
	type envelope struct {
		Studies       []json.RawMessage `json:"studies"`
		NextPageToken string            `json:"nextPageToken,omitempty"`
		TotalCount    *int              `json:"totalCount,omitempty"`
	}
	env := envelope{Studies: []json.RawMessage{}}
	for _, id := range match[start:end] {
		if q.Get("fields") == "NCTId" {
			env.Studies = append(env.Studies, json.RawMessage(fmt.Sprintf(`{"protocolSection":{"identificationModule":{"nctId":%q}}}`, id)))
		} else {
			env.Studies = append(env.Studies, f.records[id].raw)
		}
	}
	if end < len(match) && !short {
		env.NextPageToken = fmt.Sprintf("%d:%s", f.epoch, match[end-1])
	}
	if q.Get("countTotal") == "true" {
		total := len(match)
		env.TotalCount = &total
	}
	// As the real API: records as published, "<" and "&" unescaped.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(env); err != nil {
		f.t.Error(err)
	}
	return b.Bytes(), http.StatusOK
}

// File serves data at a URL, as a bulk download.
func File(t *testing.T, data []byte) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/zip")
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/ctg-studies.json.zip"
}

// OnRequest sets a function called with each request's number before it
// is answered (nil for none): tests kill syncs from it.
func (f *Fake) OnRequest(fn func(n int)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onRequest = fn
}
