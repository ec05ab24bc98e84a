//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package socket

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/reactorgo/reactor/pkg/errors"
)

// bindToDevice fails: SO_BINDTODEVICE is Linux's; macOS and the BSDs have no option
// that binds a socket to an interface by name.
func bindToDevice(_ int, iface string) error {
	return fmt.Errorf("socket: bind to device %q: SO_BINDTODEVICE is Linux only: %w", iface, errors.ErrUnsupportedOp)
}

// joinIPv4Group joins group with struct ip_mreq, whose imr_interface is an interface
// address, not an index: ip(4) asks for INADDR_ANY (the default multicast interface)
// or "the IP address of a particular multicast-capable interface". ip_mreqn is not
// taken by every system here, so ifindex is resolved to its first IPv4 address.
func joinIPv4Group(fd int, group net.IP, ifindex int) error {
	mreq := &unix.IPMreq{}
	copy(mreq.Multiaddr[:], group.To4())
	if ifindex != 0 {
		ip, err := interfaceIPv4(ifindex)
		if err != nil {
			return err
		}
		copy(mreq.Interface[:], ip)
	}
	if err := unix.SetsockoptIPMreq(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

func interfaceIPv4(ifindex int) (net.IP, error) {
	ifi, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return nil, err
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			return n.IP.To4(), nil
		}
	}
	return nil, &net.AddrError{Err: "no IPv4 address to join a multicast group on", Addr: ifi.Name}
}

// maxListenerBacklog reads the system's limit on the accept queue; listen(2) on each
// of these systems silently caps a larger backlog at it. NetBSD documents no such
// sysctl everywhere: a name that does not resolve falls back to SOMAXCONN.
func maxListenerBacklog() int {
	var names []string
	switch runtime.GOOS {
	case "darwin", "dragonfly":
		names = []string{"kern.ipc.somaxconn"}
	case "freebsd":
		names = []string{"kern.ipc.soacceptqueue", "kern.ipc.somaxconn"} // renamed in 10.1
	default: // netbsd, openbsd
		names = []string{"kern.somaxconn"}
	}
	for _, name := range names {
		if n, err := unix.SysctlUint32(name); err == nil && n > 0 {
			return int(min(n, 1<<16-1)) // as on Linux, keep it to 16 bits
		}
	}
	return syscall.SOMAXCONN
}
