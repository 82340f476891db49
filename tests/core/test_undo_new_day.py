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


def test_an_answer_of_yesterday_undone_today_leaves_the_card_in_todays_queue(example, now):
    """Found by the merge property test: outside a session the undo history
    outlives the day; undoing yesterday's second answer today brought the
    card back into yesterday's learning queue, unlike its log."""
    card = example.study.step(None, now).card.id
    example.study.end_session()
    example.study.answer(card, Grade.AGAIN, now)
    example.study.answer(card, Grade.AGAIN, now)  # the re-drill
    tomorrow = now + timedelta(days=1)
    example.undo.undo(tomorrow)
    assert example.reports.check(tomorrow).ok


def test_a_tag_change_made_before_anything_else_can_be_undone(example, now):
    example.notes.change_tags(["example-heat/heat-letters"], add=["new"])
    assert example.undo.undo(now).name == "Add Tag"
