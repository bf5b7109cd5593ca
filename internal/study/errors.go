package study

import "errors"

// ErrNotFound is returned by stores and lookups when no study has the
// requested identifier. The web and API layers turn it into a 404.
var ErrNotFound = errors.New("study not found")

// RemovedError says a study is no longer on ClinicalTrials.gov: it was
// missing from the full listing of NCT IDs on On ("YYYY-MM-DD"). The store
// keeps it and its history; lookups that want live studies get this
// error, which is also an ErrNotFound.
type RemovedError struct {
	NCTID string
	On    string
}

func (e *RemovedError) Error() string {
	return e.NCTID + " is no longer on ClinicalTrials.gov: it disappeared from its listing on " + e.On
}

func (e *RemovedError) Unwrap() error { return ErrNotFound }
