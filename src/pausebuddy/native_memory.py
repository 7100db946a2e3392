"""Give memory that native libraries freed back to the system.

pocketsphinx's grammar search and Piper's model allocate tens of megabytes for a few
seconds and free them; glibc keeps the freed pages mapped, so a process that runs for
months would sit at its highest peak, and fragmentation lets that creep upwards.
malloc_trim(0) returns them (a few milliseconds; called after such bursts only).
"""

from __future__ import annotations

import ctypes
from functools import cache


@cache
def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None  # not glibc: nothing to ask


def give_back() -> None:
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
