"""The one study flow, without Qt: the review session both fronts render,
the study step, the undo stack for every action, and the SQL of one answer."""

import random
from datetime import timedelta

import pytest

from flashdesk.store.queries import KIND_CODES
from flashdesk.collection import Collection, UndoRefused
from flashdesk.model import Grade, Kind, LogKind, Queue
from flashdesk.review import Action, ReviewSession, Stage

from .conftest import FIXTURES

DECK = "example-heat"


def session(col, now, seed=1):
    s = ReviewSession(col, DECK, clock=lambda: now, timer=iter(range(0, 10**6, 3)).__next__,
                      rng=random.Random(seed))
    s.start()
    return s


def log_kinds(col):
    names = {code: name for name, code in KIND_CODES.items()}
    return [names[r[0]] for r in col.db.execute("SELECT kind FROM revlog ORDER BY seq")]


# -- the session, as a front sees it --------------------------------------------------


def test_a_session_takes_every_kind_from_question_to_answer(example, now):
    s = session(example, now)
    seen = []
    while s.stage != Stage.DONE:
        card = s.card
        seen.append(card.kind)
        assert s.stage == Stage.QUESTION and s.suggested is None
        if card.kind == Kind.CHOICE:
            assert not s.reveal()  # a choice turns over only when an option is picked
            right = s.option_order.index(card.fields["answer"] - 1) + 1
            outcome = s.choose(right)
            assert outcome.correct and s.suggested == Grade.GOOD
        elif card.kind == Kind.ORDER and not card.redrill:
            assert not s.reveal()
            check = s.check_order(list(reversed(range(4))))
            assert check.mistakes == 4 and s.suggested == Grade.AGAIN
        elif card.kind == Kind.ORDER:  # back again: this time in the right order
            assert s.check_order(list(range(4))).mistakes == 0
        elif card.kind == Kind.SCENARIO:
            assert s.reveal() and s.suggested == Grade.AGAIN  # no points ticked yet
            assert s.mark_points(2) == Grade.HARD and s.mark_points(4) == Grade.GOOD
        else:
            assert s.reveal() and s.suggested is None
        assert s.stage == Stage.ANSWER
        s.answer(s.default_grade())
    assert set(seen) == set(Kind) - {Kind.TYPED}  # the example deck has no typed card
    summary = s.summary()
    # seven cards, of which the basic's reverse and the second cloze wait for tomorrow
    assert summary.studied == 5 and summary.answers == len(seen)
    # the order card was suggested Again: it came back (a re-drill) and was answered again
    assert seen.count(Kind.ORDER) == 2 and summary.correct == 4


def test_keys_mean_what_the_stage_and_the_kind_allow(example, now):
    s = session(example, now)
    assert s.card.kind == Kind.BASIC
    assert s.key_action("3") == (Action.HINT, None)        # no grading before the answer
    assert s.key_action("Space") == (Action.REVEAL, None)
    assert s.key_action("E") == (Action.EDIT, None)
    assert s.key_action("E", typing=True) == (Action.NONE, None)  # typing in a box
    assert s.key_action("Ctrl+Z", typing=True) == (Action.UNDO, None)
    s.reveal()
    assert s.key_action("3") == (Action.GRADE, 3)
    assert s.key_action("7") == (Action.HINT, None)
    assert s.key_action("Enter") == (Action.GRADE, None)
    while s.card.kind != Kind.CHOICE:
        s.bury()
    for key in ("Space", "Enter"):  # never picks option 1 by accident
        assert s.key_action(key) == (Action.HINT, None)
    assert s.key_action("2") == (Action.PICK, 2)


def test_the_step_carries_counts_and_every_grades_interval_without_a_second_read(example, now):
    step = example.study.step(DECK, now)
    assert (step.counts.new, step.counts.learning, step.counts.review) == (7, 0, 0)
    assert {g: p.days for g, p in step.previews.items()} == {g: 1 for g in Grade}
    assert [step.previews[g].again_today for g in Grade] == [True] * 4 + [False] * 2
    answered = example.study.answer(step.card.id, Grade.AGAIN, now)
    # one new card answered, its reverse buried until tomorrow, one re-drill waiting
    assert answered.next.counts.new == 5 and answered.next.counts.learning == 1
    assert answered.changes.cards and answered.changes.study_queues


def test_one_answer_runs_one_write_transaction_and_at_most_three_reads(example, now):
    example.study.step(DECK, now)
    statements = []
    example.db.conn.set_trace_callback(statements.append)
    try:
        answered = example.study.answer(example.study.step(DECK, now).card.id, Grade.GOOD, now)
    finally:
        example.db.conn.set_trace_callback(None)
    assert answered.next is not None
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE"] and statements.count("COMMIT") == 1
    inside = statements[statements.index("BEGIN IMMEDIATE") + 1:statements.index("COMMIT")]
    outside = [s for s in statements if s not in inside and s not in ("BEGIN IMMEDIATE", "COMMIT")]
    assert all(s.lstrip().upper().startswith("SELECT") for s in outside), outside
    assert len(outside) + sum(s.lstrip().upper().startswith("SELECT") for s in inside) <= 3
    # no settings read, no statistics: the answer path reads the log only for the
    # card's latest entry (by its seq), and counts only the cards of the card's note
    assert not any("config" in s for s in statements)
    assert not any(s.upper().startswith("SELECT") and "FROM REVLOG" in s.upper()
                   for s in statements)
    siblings = "(select count(*) from cards s where s.nid = c.nid)"
    assert not any("count(" in s.lower().replace(siblings, "") for s in statements)


# -- one undo stack --------------------------------------------------------------------


def test_every_action_is_undone_in_order_newest_first(example, now):
    s = session(example, now)
    first = s.card.id
    s.reveal()
    s.answer(Grade.GOOD)                                        # 1 answer
    buried = s.card.id
    s.bury()                                                    # 2 bury
    suspended = s.card.id
    s.suspend()                                                 # 3 suspend
    notes = example.notes
    notes.change_tags(["example-heat/heat-order"], add=["week3"])  # 4 tags
    notes.update("example-heat/heat-order", {"prompt": "Order HEAT.", "items": [
        "Hear", "Empathise", "Apologise", "Take ownership"]}, now)  # 5 edit
    example.decks.ensure("other", "Other", "", "", "", 0)
    notes.move_cards(["example-heat/heat-order#0"], "other")    # 6 move
    notes.reset_cards([first], now)                             # 7 reset
    notes.delete(["example-heat/heat-phone-scenario"], now)     # 8 delete
    example.study.unsuspend([suspended], now)                   # 9 unsuspend
    names = []
    while len(example.undo):
        names.append(example.undo.undo(now).name)
    assert names == ["Unsuspend", "Delete", "Reset", "Change Deck", "Edit Note", "Add Tag",
                     "Suspend", "Bury", "Answer"]
    assert example.study.card(suspended, now).queue == Queue.NEW
    assert example.study.card(buried, now).queue == Queue.NEW
    assert example.study.card(first, now).state.repetitions == 0
    assert example.study.card("example-heat/heat-order#0", now).deck_id == DECK
    assert example.notes.get("example-heat/heat-order")[1]["prompt"].startswith("Put the steps")
    assert "week3" not in example.study.card("example-heat/heat-order#0", now).tags
    assert example.study.card("example-heat/heat-phone-scenario#0", now).queue == Queue.NEW
    assert example.reports.check(now).ok  # every undo is in the log too


def test_undo_outlives_a_session_and_brings_the_card_back_to_a_new_one(example, now):
    s = session(example, now)
    card = s.card.id
    s.reveal()
    s.answer(Grade.GOOD)
    example.study.end_session()  # back to the decks, then study again
    s2 = session(example, now)
    assert s2.counts.new == 5  # the card answered, and its reverse buried till tomorrow
    result = s2.undo()
    assert result.name == "Answer" and result.card_id == card
    assert s2.card.id == card and s2.counts.new == 7  # both back


def test_undo_refuses_an_answer_another_process_answered_since(example, col_path, now):
    card = example.study.step(DECK, now).card.id
    example.study.answer(card, Grade.GOOD, now)
    before = example.db.execute("SELECT count(*) FROM revlog").fetchone()[0]
    with Collection.open(col_path, bundled=False, backups=False) as other:
        other.study.answer(card, Grade.AGAIN, now + timedelta(minutes=1))
    state = example.study.card(card, now)
    with pytest.raises(UndoRefused, match="answered again or rescheduled since"):
        example.undo.undo(now)
    assert example.study.card(card, now) == state  # nothing was changed
    assert example.db.execute("SELECT count(*) FROM revlog").fetchone()[0] == before + 1
    assert len(example.undo) == 0  # it can never be undone: it is not kept


def test_undo_in_a_session_refuses_an_answer_from_another_deck(example, col, now, tmp_path):
    col.files.import_files([FIXTURES / "basics.toml"])
    other = col.study.step("basics", now).card.id
    col.study.answer(other, Grade.GOOD, now)
    s = session(col, now)  # now studying the HEAT deck
    with pytest.raises(UndoRefused, match="outside this session"):
        s.undo()
    assert col.study.card(other, now).state.repetitions == 1 and len(col.undo) == 1
    col.study.end_session()  # from the deck list it is taken back
    assert col.undo.undo(now).card_id == other
    assert col.study.card(other, now).state.repetitions == 0


def test_a_redrill_answer_is_undone_like_any_other(example, now):
    card = example.study.step(DECK, now).card.id
    example.study.answer(card, Grade.AGAIN, now)
    example.study.answer(card, Grade.GOOD, now + timedelta(minutes=3))
    assert log_kinds(example) == [LogKind.REVIEW, LogKind.REDRILL]
    example.undo.undo(now)
    assert example.study.card(card, now).queue == Queue.LEARNING
    assert example.reports.check(now).ok


def test_an_import_runs_at_the_time_it_is_given_and_keeps_the_undo_history(example, now):
    """An import takes the caller's time like every other change: with a
    clock other than the wall clock, re-importing a file neither rolls the
    study day over (which would end the session and clear undo)."""
    card = example.study.step(DECK, now).card.id
    example.study.answer(card, Grade.GOOD, now)
    assert example.undo.name == "Answer"
    example.files.import_files([FIXTURES / "example.toml"], now=now)
    example.files.import_files([FIXTURES / "basics.toml"], now=now)
    assert example.undo.name == "Answer"
    assert example.undo.undo(now).card_id == card


def test_suspending_what_is_already_suspended_changes_nothing(example, now):
    card = example.study.step(DECK, now).card.id
    assert example.study.suspend([card], now).cards
    assert not example.study.suspend([card], now)  # nothing to refresh, nothing to undo
    assert not example.study.suspend(["no-such-card#0"], now)
    assert example.undo.undo(now).name == "Suspend" and len(example.undo) == 0
