package socket

import (
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

func bindToDevice(fd int, iface string) error {
	if err := unix.BindToDevice(fd, iface); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

// joinIPv4Group joins group on the interface with index ifindex (0: the kernel
// chooses); Linux's ip_mreqn names the interface by index.
func joinIPv4Group(fd int, group net.IP, ifindex int) error {
	mreq := &unix.IPMreqn{Ifindex: int32(ifindex)}
	copy(mreq.Multiaddr[:], group.To4())
	if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

func maxListenerBacklog() int {
	b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
	if err != nil {
		return syscall.SOMAXCONN
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	if n <= 0 {
		return syscall.SOMAXCONN
	}
	if n > 1<<16-1 {
		n = 1<<16 - 1 // the kernel truncates the backlog to 16 bits
	}
	return n
}
