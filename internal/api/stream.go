package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/trialfinder/trialfinder/internal/search"
	"github.com/trialfinder/trialfinder/internal/study"
)

// listStream writes a list of studies as it reads them from the store,
// one record at a time, so a page of 1,000 records or a whole export
// never sits in memory, and stops as soon as the client goes away.
type listStream struct {
	a   *API
	r   *http.Request
	lq  *listQuery
	out *countingWriter
	bw  *bufio.Writer
	csv *csvWriter
	buf *[]byte
	n   int // studies written
	// hitInfo is collected as the records pass, for the end.
	hitInfo map[string]*hitInfo
}

// countingWriter tells whether anything has reached the client yet.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// prop is a top-level property written after the studies.
type prop struct {
	name  string
	value any
}

func (a *API) newListStream(w http.ResponseWriter, r *http.Request, lq *listQuery) *listStream {
	st := &listStream{a: a, r: r, lq: lq, out: &countingWriter{w: w}, buf: records.get()}
	st.bw = writers.get()
	st.bw.Reset(st.out)
	if lq.ext[extHitInfo] {
		st.hitInfo = map[string]*hitInfo{}
	}
	if lq.csv {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	return st
}

func (st *listStream) release() {
	if cap(*st.buf) <= maxPooledRecord {
		records.put(st.buf)
	}
	st.bw.Reset(nil)
	writers.put(st.bw)
}

// begin writes what comes before the first study: the CSV header (when
// header is set), or the JSON object's start with its totalCount.
func (st *listStream) begin(total *int, header bool) {
	if st.lq.csv {
		st.csv = newCSVWriter(st.bw, st.lq.columns, header)
		return
	}
	st.bw.WriteByte('{')
	if total != nil {
		st.bw.WriteString(`"totalCount":` + strconv.Itoa(*total) + ",")
	}
	st.bw.WriteString(`"studies":[`)
}

// write reads each hit's record and writes it. A study deleted from the
// store since the index was built is skipped: the next rebuild drops it.
func (st *listStream) write(hits []search.Hit) error {
	ctx := st.r.Context()
	for _, h := range hits {
		if err := ctx.Err(); err != nil {
			return err
		}
		raw, err := st.a.cfg.Records.AppendRaw(ctx, (*st.buf)[:0], h.NCTID)
		if errors.Is(err, study.ErrNotFound) {
			st.a.log.Warn("indexed study missing from the store", "nct_id", h.NCTID)
			continue
		}
		if err != nil {
			return fmt.Errorf("list studies: %w", err)
		}
		*st.buf = raw
		if st.hitInfo != nil {
			if st.hitInfo[h.NCTID], err = newHitInfo(h, raw); err != nil {
				return err
			}
		}
		if st.csv != nil {
			if err := st.csv.write(raw); err != nil {
				return err
			}
		} else {
			if st.lq.proj != nil {
				if raw, err = st.lq.proj.project(raw); err != nil {
					return err
				}
			}
			if st.lq.legacy {
				if raw, err = legacyMarkup(raw); err != nil {
					return err
				}
			}
			if st.n > 0 {
				st.bw.WriteByte(',')
			}
			if _, err := st.bw.Write(raw); err != nil {
				return err
			}
		}
		st.n++
	}
	return nil
}

// end writes what follows the studies and flushes.
func (st *listStream) end(extra []prop) error {
	if st.csv != nil {
		if err := st.csv.flush(); err != nil {
			return err
		}
		return st.bw.Flush()
	}
	st.bw.WriteByte(']')
	if st.hitInfo != nil {
		extra = append(extra, prop{"hitInfo", st.hitInfo})
	}
	var b bytes.Buffer
	for _, p := range extra {
		b.Reset()
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(p.value); err != nil {
			return fmt.Errorf("encode %s: %w", p.name, err)
		}
		st.bw.WriteString(`,"` + p.name + `":`)
		st.bw.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	}
	st.bw.WriteString("}\n")
	return st.bw.Flush()
}

// fail handles an error of the stream: before anything reached the
// client it goes to the adapter, which answers with its status; after,
// the status is sent and the only honest thing left is to cut the
// connection, so the client cannot take a truncated list for a whole one.
func (st *listStream) fail(err error) error {
	if err == nil || st.out.n == 0 {
		st.bw.Reset(st.out)
		return err
	}
	if st.r.Context().Err() != nil {
		st.a.log.Info("client went away during a list", "route", st.r.Pattern, "studies", st.n)
	} else {
		st.a.log.Error("list failed after it started", "route", st.r.Pattern, "studies", st.n, "err", err)
	}
	panic(http.ErrAbortHandler)
}
