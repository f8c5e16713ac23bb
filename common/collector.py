"""Python's cycle collector held off while one big document is read and applied.

Reading a 5,000-line order makes some 100,000 objects (lines, batches, quantities, prices), and
applying it thousands more; the cycle collector runs by the number of objects made, and each full
run walks every object the process holds. Applying a 5,000-line OrderResponse spent a quarter of
its time there (0.92 s against 0.69 s with the collector held off, measured). These objects hold no
cycles: reference counting frees them as before, and anything cyclic left behind is collected at
the collector's next run after the block."""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collector_held():
    """Hold the cycle collector off inside (for one message or one decision, not a whole run). It is
    the process's: another thread's block may end first and let it run again, which costs time
    only. Left as it was found: a collector someone else turned off stays off."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
