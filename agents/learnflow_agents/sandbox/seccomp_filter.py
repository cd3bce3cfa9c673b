"""The seccomp filter every sandboxed child runs under (compiled to BPF, loaded by bubblewrap).

Exercises, fix checks and a student's own tests never need a second process, a socket
to another machine or any of the kernel's administration calls, so these are refused
outright: a fork bomb or a `setsid` survivor fails at its first `fork()`, whatever the
process-count rlimit (which the kernel does not enforce for root) would have allowed.
Threads stay possible: `clone` is refused only without CLONE_THREAD.
"""

from __future__ import annotations

import errno
import functools
import socket
import tempfile

_CLONE_THREAD = 0x00010000

# Calls no student program here needs and that an escape would: other processes'
# memory, new namespaces, mounts, kernel modules, keyrings, BPF, perf.
_REFUSED = (
    "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "bpf",
    "perf_event_open", "keyctl", "add_key", "request_key", "init_module",
    "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "userfaultfd", "open_by_handle_at", "name_to_handle_at",
    "io_uring_setup", "personality", "acct", "quotactl", "syslog", "memfd_create",
    "memfd_secret", "shmget", "mq_open", "fanotify_init",
)  # fmt: skip


@functools.cache
def seccomp_program() -> bytes | None:
    """The BPF program as bytes, or None when libseccomp (pyseccomp) is not available."""
    try:
        import pyseccomp as sc
    except (ImportError, OSError):
        return None
    try:
        rules = sc.SyscallFilter(defaction=sc.ALLOW)
        for name in _REFUSED:
            try:
                rules.add_rule(sc.ERRNO(errno.EPERM), name)
            except (RuntimeError, ValueError, OSError):
                continue  # a call this architecture does not have
        rules.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, _CLONE_THREAD, 0))
        # clone3 passes its flags in memory a filter cannot read; ENOSYS makes libc fall
        # back to clone, where the flags are checked.
        rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
        # Only local (AF_UNIX) sockets: every other family, vsock and netlink included,
        # reaches past the network namespace or the kernel's attack surface.
        rules.add_rule(sc.ERRNO(errno.EACCES), "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
        # libseccomp writes to a real file descriptor, not a Python buffer.
        with tempfile.TemporaryFile() as handle:
            rules.export_bpf(handle)
            handle.seek(0)
            return handle.read()
    except (RuntimeError, ValueError, OSError, AttributeError):
        return None
