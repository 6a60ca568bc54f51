"""Help for the few requests that build very large answers (the statistics of a province)."""

import gc
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector while a large answer is built. The statistics of 10,000
    enterprises keep about a million small objects alive until the answer is written, and the collector
    walked them again and again: 420 ms of a 1,600 ms request (bench/rollup.py). Reference counting still
    frees everything as usual; only cycles wait for the collector, which runs again right after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
