"""Undo once the study day has ended: the history is gone, and saying so is
all that happens (it used to fail with an IndexError when the day rolled over
inside the undo itself)."""

from datetime import timedelta

import pytest

from flashdesk.collection import UndoRefused
from flashdesk.model import Grade


def test_undo_after_the_day_ended_says_there_is_nothing_to_undo(example, now):
    step = example.study.step(None, now)
    example.study.answer(step.card.id, Grade.GOOD, now)
    with pytest.raises(UndoRefused, match="Nothing to undo"):
        example.undo.undo(now + timedelta(days=1))
    assert example.reports.check(now + timedelta(days=1)).ok
