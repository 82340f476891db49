"""SM-2 as SuperMemo published it (Wozniak, 1990), as pure functions.

Ease is kept exactly: every E-Factor is a multiple of 0.01, computed in
integer hundredths, so intervals come out as the published arithmetic gives
them (6 × 2.5 is 15, never 16 from a float such as 2.5000000000000004).
"""

from __future__ import annotations

from ..model import Grade, SM2State

__all__ = ["SM2State", "review", "MIN_EASE", "PASSING", "REDRILL_BELOW"]

MIN_EASE = 1.3
#: answers of this grade or better count as a successful recall (SM-2 step 5)
PASSING = Grade.HARD
#: SM-2 step 7: answers below this grade come back in the same session
REDRILL_BELOW = Grade.GOOD


def _hundredths(ease: float) -> int:
    return round(ease * 100)


def review(state: SM2State, quality: int) -> SM2State:
    """Return the state after answering with ``quality`` (a ``Grade``, 0–5).

    Quality ≥ 3: the interval becomes 1, then 6, then ceil(interval × EF) with
    the E-Factor from before this answer; then the E-Factor is updated by
    ``0.1 − (5 − q) × (0.08 + (5 − q) × 0.02)`` and kept at 1.3 or more.
    Quality < 3: repetitions restart and the interval is 1; the E-Factor is
    unchanged.

    Raises ``ValueError`` for a quality that is not an integer from 0 to 5.
    """
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 5:
        raise ValueError(f"quality must be an integer from 0 to 5, not {quality!r}")
    ease = _hundredths(state.ease)
    if quality < PASSING:
        return SM2State(repetitions=0, ease=ease / 100, interval=1)
    if state.repetitions == 0:
        interval = 1
    elif state.repetitions == 1:
        interval = 6
    else:
        # ceil(I × EF) with EF in exact hundredths: integer arithmetic, no rounding
        interval = -(-state.interval * ease // 100)
    miss = 5 - quality
    # 0.1 - miss * (0.08 + miss * 0.02), in hundredths: 10 - miss * (8 + 2 * miss)
    ease = max(_hundredths(MIN_EASE), ease + 10 - miss * (8 + 2 * miss))
    return SM2State(repetitions=state.repetitions + 1, ease=ease / 100, interval=interval)
