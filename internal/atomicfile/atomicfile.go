// Package atomicfile writes a file whole or not at all: a USB stick pulled
// out, or a battery dying, mid-write leaves no half file under the name a
// person will carry to the hub or import on the laptop.
package atomicfile

import (
	"fmt"
	"os"
)

// Write writes data to path through a temporary file in the same
// directory, fsynced, then renamed over path. The file is private (0600).
func Write(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
