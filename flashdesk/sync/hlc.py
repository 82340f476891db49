"""Hybrid logical clocks: timestamps that follow the wall clock yet respect
causality across devices (Kulkarni, Demirbas, Madappa, Avva and Leone,
"Logical Physical Clocks", OPODIS 2014, algorithm 2).

A stamp is (``l``, ``c``, ``device``): ``l`` the greatest physical time
known (milliseconds since the Unix epoch), ``c`` a counter that orders events
sharing an ``l``, and the device id as the last tie-break, so stamps of two
devices never compare equal. Pure values: the caller passes the physical
time in and stores the clock's state.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Stamp", "Clock", "MAX_DRIFT_MS"]

#: a remote stamp further ahead of our physical time than this does not move
#: our clock (a device with its clock set wrong must not drag everyone's
#: stamps years ahead); it still wins or loses by its stamp like any other
MAX_DRIFT_MS = 24 * 3600 * 1000


@dataclass(frozen=True, order=True, slots=True)
class Stamp:
    """One hybrid logical clock timestamp; stamps order as (l, c, device)."""

    l: int  # noqa: E741 (the paper's name)
    c: int
    device: str

    def text(self) -> str:
        """``l:c:device``, as stored to name the value an edit replaced."""
        return f"{self.l}:{self.c}:{self.device}"

    @classmethod
    def parse(cls, text: str) -> "Stamp":
        """The stamp of ``text()``; raises ``ValueError`` for anything else."""
        l_text, c_text, device = text.split(":", 2)
        stamp = cls(int(l_text), int(c_text), device)
        if stamp.l < 0 or stamp.c < 0 or not device:
            raise ValueError(f"not a stamp: {text!r}")
        return stamp


@dataclass(slots=True)
class Clock:
    """One device's clock: its last (``l``, ``c``)."""

    device: str
    l: int = 0  # noqa: E741
    c: int = 0

    def tick(self, physical_ms: int) -> Stamp:
        """A stamp for a local event (an edit) at ``physical_ms``: later than
        every stamp this clock has issued or seen. The paper's send event:
        l' = max(l, pt); c = c + 1 if l did not move, else 0."""
        previous = self.l
        self.l = max(previous, physical_ms)
        self.c = self.c + 1 if self.l == previous else 0
        return Stamp(self.l, self.c, self.device)

    def observe(self, stamp: Stamp, physical_ms: int) -> None:
        """Take in a stamp received from another device (the paper's receive
        event) at our ``physical_ms``, so that later local stamps follow it.
        A stamp more than ``MAX_DRIFT_MS`` ahead of ``physical_ms`` is ignored."""
        if stamp.l > physical_ms + MAX_DRIFT_MS:
            return
        previous = self.l
        self.l = max(previous, stamp.l, physical_ms)
        if self.l == previous == stamp.l:
            self.c = max(self.c, stamp.c) + 1
        elif self.l == previous:
            self.c += 1
        elif self.l == stamp.l:
            self.c = stamp.c + 1
        else:
            self.c = 0
