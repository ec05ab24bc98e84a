// Package fdtable finds an event loop's connections by descriptor number.
package fdtable

const (
	pageBits = 9 // 512 pointers, 4 KiB on 64-bit systems
	pageLen  = 1 << pageBits
)

// Table maps small non-negative integers (descriptors) to values. It is a table of
// fixed pages made as numbers reach them: unlike one slice doubled as descriptors
// grow, it never copies itself, so accepting many connections leaves no discarded
// tables for the collector, and it holds one pointer per descriptor (plus one partly
// used page) instead of up to two. The zero Table is empty and ready. Not safe for
// concurrent use: a loop owns its table.
type Table[T any] struct {
	pages []*[pageLen]*T
}

// Get returns the value at fd, or nil.
func (t *Table[T]) Get(fd int) *T {
	i := uint(fd) >> pageBits
	if i >= uint(len(t.pages)) || t.pages[i] == nil {
		return nil
	}
	return t.pages[i][uint(fd)&(pageLen-1)]
}

// Add puts v at fd.
func (t *Table[T]) Add(fd int, v *T) {
	i := uint(fd) >> pageBits
	for i >= uint(len(t.pages)) {
		t.pages = append(t.pages, nil)
	}
	if t.pages[i] == nil {
		t.pages[i] = new([pageLen]*T)
	}
	t.pages[i][uint(fd)&(pageLen-1)] = v
}

// Remove clears fd if it still holds v: a descriptor number may have been reused
// by a newer value since.
func (t *Table[T]) Remove(fd int, v *T) {
	i := uint(fd) >> pageBits
	if i < uint(len(t.pages)) && t.pages[i] != nil && t.pages[i][uint(fd)&(pageLen-1)] == v {
		t.pages[i][uint(fd)&(pageLen-1)] = nil
	}
}

// Each calls fn for every value; fn may remove values, its own included.
func (t *Table[T]) Each(fn func(*T)) {
	for _, p := range t.pages {
		if p == nil {
			continue
		}
		for _, v := range p {
			if v != nil {
				fn(v)
			}
		}
	}
}
