package reactor

// connPageBits sizes the pages of a connTable: 512 pointers, 4 KiB.
const (
	connPageBits = 9
	connPageLen  = 1 << connPageBits
)

// connTable finds a loop's connections by descriptor. It is a table of fixed pages
// made as descriptors reach them: unlike one slice doubled as descriptors grow, it
// never copies itself, so accepting many connections leaves no discarded tables for
// the collector and holds 8 bytes per descriptor (plus one partly used page) instead
// of up to twice that.
type connTable struct {
	pages []*[connPageLen]*conn
}

// get returns the connection on fd, or nil.
func (t *connTable) get(fd int) *conn {
	i := uint(fd) >> connPageBits
	if i >= uint(len(t.pages)) {
		return nil
	}
	p := t.pages[i]
	if p == nil {
		return nil
	}
	return p[uint(fd)&(connPageLen-1)]
}

// add makes c findable by its descriptor.
func (t *connTable) add(c *conn) {
	i := uint(c.fd) >> connPageBits
	for i >= uint(len(t.pages)) {
		t.pages = append(t.pages, nil)
	}
	if t.pages[i] == nil {
		t.pages[i] = new([connPageLen]*conn)
	}
	t.pages[i][uint(c.fd)&(connPageLen-1)] = c
}

// remove forgets c, if its descriptor still leads to it.
func (t *connTable) remove(c *conn) {
	i := uint(c.fd) >> connPageBits
	if i < uint(len(t.pages)) && t.pages[i] != nil && t.pages[i][uint(c.fd)&(connPageLen-1)] == c {
		t.pages[i][uint(c.fd)&(connPageLen-1)] = nil
	}
}

// each calls fn for every connection; fn may remove connections, its own included.
func (t *connTable) each(fn func(*conn)) {
	for _, p := range t.pages {
		if p == nil {
			continue
		}
		for _, c := range p {
			if c != nil {
				fn(c)
			}
		}
	}
}
