"""What a long command used: CPU time and peak memory, printed beside its stage timings."""

from __future__ import annotations

import resource


def usage_line() -> str:
    """CPU seconds of this process and of its finished child processes (the decrypting and the
    matcher's workers once they have exited), and the peak RSS of this process and of the largest
    finished child (Linux reports kilobytes)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime
    return (f"CPU {cpu:.1f} s (this process and its finished workers); peak RSS {me.ru_maxrss / 1024:,.0f} MiB, "
            f"largest finished worker {children.ru_maxrss / 1024:,.0f} MiB")
