package main

import (
	"hash/maphash"
	"strconv"
	"sync"
)

// store is the keyspace, shared by every event loop and split into shards, each
// behind its own lock.
//
// Why not a store per loop, which would need no lock at all? Redis has one keyspace:
// a value SET by one client is what every other client GETs. Connections are spread
// over the loops by the load balancer, so with a store per loop two clients (two
// redis-cli runs, or redis-benchmark's fifty connections) would see different data.
// Sharding keeps the semantics and makes the locking cheap: with 256 shards two
// loops almost never want the same lock, so each command costs one uncontended lock.
type store struct {
	seed   maphash.Seed
	shards [numShards]shard
}

const numShards = 256

type shard struct {
	mu sync.RWMutex
	m  map[string]*entry
	_  [64]byte // keep neighbouring shards' locks off one cache line
}

// entry is a value. Overwriting a key reuses its entry and, when big enough, its
// bytes, so a steady SET load on existing keys allocates nothing.
type entry struct {
	val []byte
}

func newStore() *store {
	s := &store{seed: maphash.MakeSeed()}
	for i := range s.shards {
		s.shards[i].m = make(map[string]*entry)
	}
	return s
}

func (s *store) shard(key []byte) *shard {
	return &s.shards[maphash.Bytes(s.seed, key)%numShards]
}

// get appends the value of key to dst with fn (under the shard's read lock, so the
// value cannot change while it is copied) and reports whether key exists.
func (s *store) get(dst, key []byte, fn func(dst, val []byte) []byte) ([]byte, bool) {
	sh := s.shard(key)
	sh.mu.RLock()
	e, ok := sh.m[string(key)]
	if ok {
		dst = fn(dst, e.val)
	}
	sh.mu.RUnlock()
	return dst, ok
}

func (s *store) exists(key []byte) bool {
	sh := s.shard(key)
	sh.mu.RLock()
	_, ok := sh.m[string(key)]
	sh.mu.RUnlock()
	return ok
}

// setMode is SET's NX / XX condition.
type setMode int

const (
	setAlways setMode = iota
	setIfAbsent
	setIfPresent
)

// set stores val under key if mode allows. With old != nil the previous value (if
// any) is appended to *old first, for SET ... GET. It reports whether val was stored
// and whether key existed before.
func (s *store) set(key, val []byte, mode setMode, old *[]byte) (stored, existed bool) {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, existed := sh.m[string(key)]
	if existed && old != nil {
		*old = append(*old, e.val...)
	}
	if mode == setIfAbsent && existed || mode == setIfPresent && !existed {
		return false, existed
	}
	if !existed {
		e = &entry{}
		sh.m[string(key)] = e
	}
	e.val = append(e.val[:0], val...)
	return true, existed
}

// del removes key and reports whether it existed.
func (s *store) del(key []byte) bool {
	sh := s.shard(key)
	sh.mu.Lock()
	_, ok := sh.m[string(key)]
	if ok {
		delete(sh.m, string(key))
	}
	sh.mu.Unlock()
	return ok
}

// incr adds one to the integer stored at key (0 when absent). It fails with
// errNotInteger or errOverflow as Redis does.
func (s *store) incr(key []byte) (int64, error) {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[string(key)]
	var v int64
	if ok {
		var valid bool
		if v, valid = parseInt(e.val); !valid {
			return 0, errNotInteger
		}
	}
	if v == 1<<63-1 {
		return 0, errOverflow
	}
	v++
	if !ok {
		e = &entry{val: make([]byte, 0, 20)}
		sh.m[string(key)] = e
	}
	e.val = strconv.AppendInt(e.val[:0], v, 10)
	return v, nil
}
