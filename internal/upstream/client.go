package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// client makes requests to the ClinicalTrials.gov API politely and
// stubbornly: at most rate requests a second, each within a timeout, and
// retried with exponential backoff and jitter on network errors, 5xx, 429
// (after its Retry-After) and pages that do not decode.
type client struct {
	base    string
	http    *http.Client
	timeout time.Duration
	retries int
	backoff time.Duration // first retry's wait; it doubles each time
	maxWait time.Duration

	mu   sync.Mutex
	gap  time.Duration // between requests: 1/rate
	next time.Time     // when the next request may start
	// requests counts the requests made, retries included.
	requests int
}

// errExpiredToken: the API refused a page token, which it does once the
// token has expired.
var errExpiredToken = errors.New("page token refused (expired?)")

// statusError is an answer the API gave that retrying will not change.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.status, e.body)
}

// retryable is a failure worth another try, after at least wait.
type retryable struct {
	err  error
	wait time.Duration
}

func (e *retryable) Error() string { return e.err.Error() }
func (e *retryable) Unwrap() error { return e.err }

// getJSON requests path with query q and decodes the answer into v,
// retrying what is worth retrying.
func (c *client) getJSON(ctx context.Context, path string, q url.Values, v any) error {
	u := strings.TrimRight(c.base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var err error
	for attempt := 0; ; attempt++ {
		if err = c.wait(ctx); err != nil {
			return err
		}
		err = c.once(ctx, u, q.Has("pageToken"), v)
		var r *retryable
		if !errors.As(err, &r) || ctx.Err() != nil {
			break
		}
		if attempt == c.retries {
			err = fmt.Errorf("gave up after %d attempts: %w", attempt+1, r.err)
			break
		}
		d := c.backoff << attempt
		d = d/2 + rand.N(d/2+1)            // jitter: retries from many clients spread out
		d = max(min(d, c.maxWait), r.wait) // the server's Retry-After wins
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}

// wait holds a request back until the rate allows it.
func (c *client) wait(ctx context.Context) error {
	c.mu.Lock()
	now := time.Now()
	start := now
	if c.next.After(now) {
		start = c.next
	}
	c.next = start.Add(c.gap)
	c.requests++
	c.mu.Unlock()
	if d := start.Sub(now); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// once makes one request, within the timeout, body included.
func (c *client) once(ctx context.Context, u string, withToken bool, v any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return &retryable{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return &retryable{err: fmt.Errorf("read the answer: %w", err)}
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return &retryable{err: &statusError{resp.StatusCode, snippet(body)}, wait: retryAfter(resp.Header.Get("Retry-After"))}
	case resp.StatusCode == http.StatusBadRequest && withToken:
		return fmt.Errorf("%w: %s", errExpiredToken, snippet(body))
	case resp.StatusCode != http.StatusOK:
		return &statusError{resp.StatusCode, snippet(body)}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &retryable{err: fmt.Errorf("malformed or truncated answer (%d bytes): %w", len(body), err)}
	}
	if c, ok := v.(checker); ok {
		if err := c.check(); err != nil {
			return &retryable{err: fmt.Errorf("malformed answer: %w", err)}
		}
	}
	return nil
}

// checker is an answer that can tell whether it is whole.
type checker interface{ check() error }

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// snippet is the start of an error answer, for messages.
func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
