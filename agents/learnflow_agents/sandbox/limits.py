"""The resource limits one sandboxed run gets."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    # Wall clock for the whole child, start-up included: the backstop when student code
    # disarms every finer timer or sleeps instead of spinning.
    wall_seconds: float = 30.0
    cpu_seconds: int = 32
    memory_bytes: int = 512 * 1024 * 1024
    file_size_bytes: int = 32 * 1024 * 1024
    # Size of each of the jail's two private tmpfs mounts (the working directory and /tmp).
    disk_bytes: int = 64 * 1024 * 1024
    # Files (inodes) in those mounts together: a size cap does not count empty files, and
    # each costs the host kernel memory. Watched from outside, so a burst may overshoot
    # by what the child creates in one polling interval.
    max_files: int = 4096
    open_files: int = 64
    # Only enforced where the kernel counts processes per uid (not for root); forks are
    # refused outright by the seccomp layer when that layer is active.
    processes: int = 32
    # How much of the child's raw stdout/stderr the parent keeps; the rest is counted, dropped.
    output_bytes: int = 64_000
    # Largest frame either side accepts on the message channel.
    message_bytes: int = 8 * 1024 * 1024
    recursion_limit: int = 3_000
