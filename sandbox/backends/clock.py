"""Block timestamps by anvil's rule: the wall clock plus an offset that only moving time changes.

anvil's ``TimeManager`` (crates/anvil/src/eth/backend/time.rs): the next
block gets ``now + offset``, or the exact time set by
``evm_setNextBlockTimestamp``; always later than the block before it. Using
an exact time moves the offset to ``exact - now``, so the blocks after it
keep the distance to the wall clock (``evm_increaseTime`` adds to the
offset directly). An idle chain therefore does not lag the clock, and a
chain moved into the future stays there by the same amount.
"""

from __future__ import annotations

import time


class Clock:
    """The time of the next block on an embedded engine."""

    def __init__(self, latest: int = 0) -> None:
        #: Seconds added to the wall clock. A chain loaded with its head in the future keeps that lead.
        self.offset = max(0, int(latest) - int(time.time()))
        #: The exact timestamp of the next block (``evm_setNextBlockTimestamp``), used once.
        self.exact: int | None = None
        #: Seconds between blocks whatever the wall clock (``anvil_setBlockTimestampInterval``), until removed.
        self.interval: int | None = None

    def next(self, latest: int) -> int:
        """What the next block gets now, given the latest block's timestamp (nothing is used up)."""
        if self.exact is not None:
            wanted = self.exact
        elif self.interval is not None:
            wanted = int(latest) + self.interval
        else:
            wanted = int(time.time()) + self.offset
        return max(wanted, int(latest) + 1)

    def mined(self, timestamp: int) -> None:
        """A block was mined at ``timestamp``: an exact time (or the interval) is used up and becomes the new offset."""
        if (self.exact is not None and timestamp >= self.exact) or self.interval is not None:
            self.offset, self.exact = int(timestamp) - int(time.time()), None

    def increase(self, seconds: int, latest: int) -> int:
        """``evm_increaseTime``: the offset grows by ``seconds``; returns the new offset.

        The next block is also at least ``seconds`` after the latest one: the
        engines never repeat a timestamp (anvil may), so a chain that mined
        faster than one block a second runs ahead of the clock, and moving
        time by a day must still give a block a day after the last one.
        """
        self.offset += int(seconds)
        self.offset = max(self.offset, int(latest) + int(seconds) - int(time.time()))
        return self.offset
