package study

import "errors"

// ErrNotFound is returned by stores and lookups when no study has the
// requested identifier. The web and API layers turn it into a 404.
var ErrNotFound = errors.New("study not found")
