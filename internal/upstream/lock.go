package upstream

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrLocked: another sync holds the store's lock.
var ErrLocked = errors.New("another sync of this store is running")

// Lock takes the sync lock at path (beside the store), so that one sync at
// a time runs per store, whether from `trialfinder sync` or a server's
// background sync. The operating system releases it when the process
// ends, however it ends, so a killed sync never leaves it behind.
func Lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("sync lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (lock %s held); wait for it to finish", ErrLocked, path)
		}
		return nil, fmt.Errorf("sync lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
