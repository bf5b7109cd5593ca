package upstream

// LeaseName is the lease in the store (see internal/lease) that every
// sync of it holds while it runs, `trialfinder sync` and serve nodes
// alike, so that one sync runs at a time however many machines share the
// store. A holder that dies frees it after its time to live.
const LeaseName = "sync"
