"""Revising for an exam (issue 14), without Qt: siblings held back, custom
study and drills, the exam plan, typed answers, a study day that never runs
backwards, and lapses only of cards once recalled."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from flashdesk.cards import check_typed, key_terms, typed_answer_text
from flashdesk.collection import Collection, UndoRefused
from flashdesk.exam import FINAL_DAYS, LAST_NEW_DAYS, exam_day, new_per_day, pulled_due
from flashdesk.model import CustomKind, CustomStudy, Grade, Kind, LogKind, Queue, study_day
from flashdesk.review import ReviewSession, Stage
from flashdesk.scheduler.sm2 import SM2State, review
from flashdesk.store.queries import KIND_CODES
from flashdesk.study import LEECH_LAPSES

from .conftest import FIXTURES, NOW

#: ``revlog.kind`` (a number in the compact schema) → the ``LogKind`` it stores
KIND_NAMES = {code: name for name, code in KIND_CODES.items()}

DECK = "example-heat"


def deck_of(n: int, *, reverse_every: int = 0) -> str:
    notes = []
    for i in range(n):
        reverse = "reverse = true\n" if reverse_every and i % reverse_every == 0 else ""
        notes.append(f'[[notes]]\nid = "n{i:03d}"\nkind = "basic"\nfront = "Question {i}"\n'
                     f'back = "Answer {i}"\n{reverse}')
    return '[deck]\nid = "exam"\nname = "Exam deck"\n\n' + "\n".join(notes)


@pytest.fixture
def exam_col(col, tmp_path):
    path = tmp_path / "exam.toml"
    path.write_text(deck_of(60, reverse_every=5), encoding="utf-8")
    col.files.import_files([path])
    return col


def answer_all(col, deck, now, grade=lambda card: Grade.GOOD, custom=None, limit=2000):
    seen = []
    step = col.study.step(deck, now, custom)
    while step is not None and len(seen) < limit:
        seen.append(step.card)
        step = col.study.answer(step.card.id, grade(step.card), now).next
    return seen


# -- 1. siblings ---------------------------------------------------------------------------


def test_answering_a_card_holds_its_siblings_back_until_tomorrow(example, now):
    first = example.study.step(DECK, now).card
    assert first.id == "example-heat/heat-letters#0"
    answered = example.study.answer(first.id, Grade.GOOD, now)
    assert answered.next.card.id != "example-heat/heat-letters#1"
    reverse = example.study.card("example-heat/heat-letters#1", now)
    assert reverse.queue == Queue.BURIED
    seen = [c.id for c in answer_all(example, DECK, now)]
    assert "example-heat/heat-letters#1" not in seen and "example-heat/heat-empathise#2" not in seen
    tomorrow = now + timedelta(days=1)
    assert example.study.card("example-heat/heat-letters#1", tomorrow).queue == Queue.NEW
    assert example.reports.check(tomorrow).ok


def test_siblings_can_be_left_together_per_deck(example, now):
    example.decks.set_options(DECK, bury_siblings=False)
    seen = [c.id for c in answer_all(example, DECK, now)]
    assert seen[:2] == ["example-heat/heat-letters#0", "example-heat/heat-letters#1"]


def test_undoing_the_answer_brings_its_siblings_back(example, now):
    card = example.study.step(DECK, now).card.id
    example.study.answer(card, Grade.GOOD, now)
    example.undo.undo(now)
    assert example.study.card("example-heat/heat-letters#1", now).queue == Queue.NEW


# -- 2. custom study -------------------------------------------------------------------------


def test_review_ahead_answers_later_cards_today_as_real_reviews(example, now):
    for day in range(4):  # every card learnt, and reviewed once: due in a few days
        answer_all(example, DECK, now + timedelta(days=day))
    later = now + timedelta(days=4)
    answer_all(example, DECK, later)  # today's own cards first
    ahead = CustomStudy(CustomKind.AHEAD, days=7)
    cards = answer_all(example, DECK, later, custom=ahead)
    assert cards and all(c.schedule.last_day < study_day(later) for c in cards)
    for card in cards:  # each a real review: SM-2 ran, the card counts one more recall
        assert example.study.card(card.id, later).state.repetitions == \
            card.state.repetitions + 1


def test_review_ahead_leaves_out_the_cards_answered_today(example, now):
    """Today's first answer is the one that counts: a card answered today
    could only be re-drilled, so reviewing ahead does not offer it."""
    answered = answer_all(example, DECK, now)
    assert answered
    ahead = CustomStudy(CustomKind.AHEAD, days=7)
    assert answer_all(example, DECK, now + timedelta(hours=1), custom=ahead) == []
    tomorrow = now + timedelta(days=1)  # tomorrow they are due: today's study, not ahead
    assert {c.id for c in answer_all(example, DECK, tomorrow, custom=ahead)} == set()


def test_drills_never_change_a_schedule_and_the_log_still_agrees(example, now):
    answer_all(example, DECK, now, grade=lambda c: Grade.AGAIN if "letters" in c.id else Grade.GOOD)
    later = now + timedelta(days=1)
    example.today(later)  # the new day begins (unburies, ends re-drills) before the drills
    before = {r[0]: r[1:] for r in example.db.execute(
        "SELECT cid, type, queue, reps, ease, interval, due, lapses FROM cards")}
    for custom in (CustomStudy(CustomKind.FORGOTTEN, days=2), CustomStudy(CustomKind.TAG, tag="heat"),
                   CustomStudy(CustomKind.CRAM), CustomStudy(CustomKind.CRAM, tag="scenario")):
        example.study.end_session()
        drilled = answer_all(example, DECK, later, custom=custom,
                             grade=lambda c: Grade.GOOD)
        assert drilled, custom
        after = {r[0]: r[1:] for r in example.db.execute(
            "SELECT cid, type, queue, reps, ease, interval, due, lapses FROM cards")}
        assert after == before, custom
    kinds = {KIND_NAMES[r[0]] for r in example.db.execute("SELECT kind FROM revlog WHERE day = ?",
                                                          [study_day(later)])}
    assert kinds == {LogKind.CRAM}
    assert example.reports.check(later).ok


def test_forgotten_and_leech_drills_choose_the_right_cards(example, now):
    answer_all(example, DECK, now, grade=lambda c: Grade.AGAIN if "letters" in c.id else Grade.GOOD,
               limit=5)
    example.study.end_session()
    ids = [c.id for c in answer_all(example, DECK, now + timedelta(days=1),
                                    custom=CustomStudy(CustomKind.FORGOTTEN, days=2))]
    assert ids == ["example-heat/heat-letters#0"]
    example.notes.change_tags(["example-heat/heat-order"], add=["leech"])
    example.study.end_session()
    ids = [c.id for c in answer_all(example, DECK, now + timedelta(days=1),
                                    custom=CustomStudy(CustomKind.LEECHES))]
    assert ids == ["example-heat/heat-order#0"]


def test_a_drill_brings_a_forgotten_card_back_until_good(example, now):
    grades = iter([Grade.AGAIN, Grade.GOOD] + [Grade.GOOD] * 20)
    seen = answer_all(example, DECK, now, custom=CustomStudy(CustomKind.CRAM, tag="models"),
                      grade=lambda c: next(grades))
    assert [c.id for c in seen].count("example-heat/heat-letters#0") == 2


def test_extra_new_cards_today_raise_only_todays_limit(example, now):
    example.decks.set_limits(DECK, new_limit=2)
    assert len(answer_all(example, DECK, now)) == 2
    example.study.extra_new(DECK, 3, now)
    assert len(answer_all(example, DECK, now)) == 3
    tomorrow = now + timedelta(days=1)
    row = next(s for s in example.decks.summaries(tomorrow) if s.id == DECK)
    assert row.new == 2  # back to the deck's own limit


# -- 3. the exam plan ----------------------------------------------------------------------


def test_exam_arithmetic_checked_by_hand():
    exam = 100
    # new cards all in by day 97 (three days before): from day 79 that is 19 days,
    # so 60 cards need ceil(60 / 19) = 4 a day
    assert new_per_day(60, 79, exam) == 4
    assert new_per_day(10, 97, exam) == 10       # the last day to bring new cards in
    assert new_per_day(10, 98, exam) == 10       # past it: all at once
    assert new_per_day(10, 100, exam) == 0       # the exam day itself
    assert pulled_due("a", 99, 80, exam) is None  # due the day before: fine as it is
    due = pulled_due("a", 130, 80, exam)
    assert 100 - FINAL_DAYS <= due <= 99
    assert pulled_due("a", 130, 98, exam) == 99  # the window has only tomorrow left
    assert pulled_due("a", 130, 99, exam) is None  # nothing left before the exam


def test_exam_plan_figures_on_a_hand_made_deck(exam_col, now):
    today = study_day(now)
    exam = date.fromordinal(date(1970, 1, 1).toordinal() + today + 21)
    exam_col.decks.set_exam("exam", exam, now)
    plan = exam_col.decks.exam_plan("exam", now)
    # 60 notes, 12 of them reversed: 72 new cards; 21 - 3 + 1 = 19 days to bring them in
    assert (plan.days_left, plan.new_left, plan.cards) == (21, 72, 72)
    assert plan.new_per_day == 4  # ceil(72 / 19)
    assert plan.on_track == 0
    row = next(s for s in exam_col.decks.summaries(now) if s.id == "exam")
    assert row.exam == exam and row.exam_days_left == 21
    assert row.new == 20  # the deck's own limit is higher than the plan's 4


def test_with_an_exam_in_21_days_every_card_is_seen_by_the_day_before(exam_col, now):
    """The issue's 'done when': a learner with an exam in 21 days sets the date
    and studies every day; the day before the exam every card has been seen,
    and every card has been seen in the exam's final days."""
    exam_col.decks.set_limits("exam", new_limit=0)  # only the plan brings new cards in
    today = study_day(now)
    exam_col.decks.set_exam("exam", date.fromordinal(719163 + today + 21), now)
    rng = random.Random(4)
    for day in range(21):
        when = now + timedelta(days=day)
        answer_all(exam_col, "exam", when,
                   grade=lambda c: rng.choice([Grade.AGAIN, Grade.HARD, Grade.GOOD, Grade.GOOD,
                                               Grade.EASY]))
    exam = today + 21
    seen = {r[0]: (r[1], r[2]) for r in exam_col.db.execute(
        "SELECT card, min(day), max(day) FROM revlog WHERE kind IN (0, 1) "  # review, redrill
        "GROUP BY card")}
    cards = [r[0] for r in exam_col.db.execute("SELECT cid FROM cards")]
    assert len(cards) == 72 and set(cards) <= set(seen)
    assert all(last >= exam - FINAL_DAYS for _first, last in seen.values())
    assert all(last < exam for _first, last in seen.values())
    assert exam_col.reports.check(now + timedelta(days=21)).ok


def _study_until_the_exam(col, now, grade_on, days=21):
    """Every card offered each day answered (``grade_on(day)`` gives that
    day's grading); card id → the study days it was shown."""
    today = study_day(now)
    col.decks.set_exam("exam", date.fromordinal(719163 + today + days), now)
    shown: dict[str, list[int]] = {}
    for day in range(days):
        for card in answer_all(col, "exam", now + timedelta(days=day), grade=grade_on(day)):
            shown.setdefault(card.id, []).append(today + day)
    return today + days, shown


def test_a_card_failed_every_day_does_not_hold_its_new_sibling_back_past_the_plan(exam_col, now):
    """Sibling burying waits until the plan's last day for new cards: from then
    on nothing is buried, so a twin held back every day (its sibling failed
    daily) still comes in by three days before the exam and is reviewed twice."""
    exam_col.decks.set_limits("exam", new_limit=0)
    failed, twin = "exam/n000#0", "exam/n000#1"  # a reversed note's two cards

    def grade_on(day):
        failed_today: set[str] = set()

        def grade(card):
            if card.id == failed and card.id not in failed_today:
                failed_today.add(card.id)  # Again on its first showing, Good when re-drilled
                return Grade.AGAIN
            return Grade.GOOD
        return grade

    exam, shown = _study_until_the_exam(exam_col, now, grade_on)
    assert len(set(shown[failed])) >= 15  # failed (and so shown) nearly every day
    days = sorted(set(shown[twin]))
    assert days[0] <= exam - LAST_NEW_DAYS
    assert len(days) >= 3 and days[-1] < exam  # learnt, then reviewed twice before the exam


def test_the_final_days_show_every_due_card_of_the_exam_deck_past_its_review_limit(exam_col, now):
    """Every card is seen in the exam's final days even when they hold more
    reviews than the deck's daily review limit: there the plan lifts it."""
    exam_col.decks.set_limits("exam", new_limit=0, review_limit=10)
    exam, shown = _study_until_the_exam(exam_col, now, lambda day: lambda card: Grade.GOOD)
    assert len(shown) == 72
    late = [c for c, days in shown.items() if max(days) < exam - FINAL_DAYS]
    assert late == []
    assert max(sum(1 for days in shown.values() if d in days)
               for d in range(exam - FINAL_DAYS, exam)) > 10
    assert exam_col.reports.check(now + timedelta(days=21)).ok


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grades=st.lists(st.sampled_from(list(Grade)), min_size=1, max_size=120),
       days=st.integers(min_value=4, max_value=40), seed=st.integers(0, 10**6))
def test_property_no_due_day_after_the_exam_and_sm2_untouched(tmp_path_factory, grades, days,
                                                               seed):
    col = Collection.open(tmp_path_factory.mktemp("p") / "c.db", bundled=False, backups=False)
    try:
        col.files.import_files([FIXTURES / "example.toml"])
        today = study_day(NOW)
        col.decks.set_exam(DECK, date.fromordinal(719163 + today + days), NOW)
        rng = random.Random(seed)
        it = iter(grades)
        for day in range(days):
            when = NOW + timedelta(days=day, minutes=rng.randint(0, 600))
            step = col.study.step(DECK, when)
            while step is not None:
                grade = next(it, None)
                if grade is None:
                    break
                step = col.study.answer(step.card.id, grade, when).next
        exam = today + days
        last_day = {r[0]: r[1] for r in col.db.execute(
            "SELECT card, max(day) FROM revlog WHERE kind IN (0, 1) "  # review, redrill
            "GROUP BY card")}
        for cid, due, ctype in col.db.execute("SELECT cid, due, type FROM cards"):
            if ctype == 2 and last_day.get(cid, 0) < exam - 1:
                assert due < exam, (cid, due, exam)
        # SM-2 state is plain SM-2 replayed over the first answer of each day
        for cid, reps, ease, interval in col.db.execute(
                "SELECT cid, reps, ease, interval FROM cards WHERE type = 2"):
            state = SM2State()
            for (quality,) in col.db.execute(
                    "SELECT quality FROM revlog WHERE card = ? AND kind = 0 "  # review
                    "ORDER BY seq", [cid]):
                state = review(state, quality)
            assert (reps, ease, interval) == (state.repetitions, round(state.ease * 100),
                                              state.interval)
        assert col.reports.check(NOW + timedelta(days=days)).ok
    finally:
        col.close()


# -- 4. typed answers ----------------------------------------------------------------------


@pytest.mark.parametrize("typed, grade", [
    ("Hear", Grade.GOOD), ("  hear. ", Grade.GOOD), ("HÉAR", Grade.GOOD),
    ("Hearr", Grade.HARD), ("Listen", Grade.AGAIN), ("", Grade.AGAIN)])
def test_typed_answers_are_lenient_about_case_accents_and_punctuation(typed, grade):
    assert check_typed("Hear", typed).suggested == grade


def test_key_terms_must_be_exact_and_the_diff_says_where():
    answer = "The *Equality Act 2010*"
    assert typed_answer_text(answer) == "The Equality Act 2010"
    assert key_terms(answer) == ["Equality Act 2010"]
    assert check_typed(answer, "the equality act 2010").suggested == Grade.GOOD
    wrong = check_typed(answer, "The Equality Act 2011")
    assert wrong.suggested == Grade.AGAIN and wrong.missing_terms == ("Equality Act 2010",)
    assert ("wrong", "1") in wrong.diff and ("missing", "0") in wrong.diff
    assert check_typed("Take ownership", "ownership", ["*ownership*"]).suggested == Grade.GOOD


def test_a_typed_card_studies_round_trips_and_validates(col, tmp_path, now):
    deck = tmp_path / "typed.toml"
    deck.write_text('[deck]\nid = "t"\nname = "Typed"\n\n[[notes]]\nid = "h"\nkind = "typed"\n'
                    'prompt = "The H in HEAT?"\nanswer = "*Hear*"\naccept = ["Listen"]\n'
                    'explanation = "Hear them out."\n', encoding="utf-8")
    col.files.import_files([deck])
    s = ReviewSession(col, "t", clock=lambda: now)
    s.start()
    assert s.card.kind == Kind.TYPED and not s.reveal()
    check = s.type_answer("listen")
    assert check.right and s.suggested == Grade.GOOD and s.stage == Stage.ANSWER
    s.answer(s.default_grade())
    for fmt, name in (("toml", "t.toml"), ("csv", "t.csv"), ("apkg", "t.apkg")):
        [path] = col.files.export("t", fmt, tmp_path / name)
        fresh = Collection.open(tmp_path / fmt / "c.db", bundled=False, backups=False)
        try:
            fresh.files.import_files([path], deck_name="Typed")
            deck_id = fresh.decks.find("Typed")
            [note] = fresh.files.export_data(deck_id)[0].notes
            assert (note.kind, note.fields["answer"], note.fields.get("accept")) == (
                Kind.TYPED, "*Hear*", ["Listen"]), fmt
        finally:
            fresh.close()
    bad = tmp_path / "bad.toml"
    bad.write_text(deck.read_text().replace('"*Hear*"', '"*Hear"'), encoding="utf-8")
    from flashdesk.formats import DeckFileError, read_deck_file
    with pytest.raises(DeckFileError, match="key term"):
        read_deck_file(bad)


# -- 6. a study day that never runs backwards ------------------------------------------------


def test_a_move_west_after_an_answer_keeps_the_same_study_day(example):
    ny, la = ZoneInfo("America/New_York"), ZoneInfo("America/Los_Angeles")
    first = datetime(2026, 3, 3, 4, 30, tzinfo=ny)            # just after New York's rollover
    second = (first + timedelta(minutes=15)).astimezone(la)    # 01:45 in Los Angeles
    assert study_day(second) == study_day(first) - 1          # the clock alone would go back
    card = example.study.step(DECK, first).card.id
    example.study.answer(card, Grade.AGAIN, first)
    again = example.study.answer(card, Grade.GOOD, second).result
    assert again.redrill  # the same study day: a re-drill, not a second SM-2 review
    morning = datetime(2026, 3, 3, 9, 0, tzinfo=la)
    view = example.study.card(card, morning)
    assert view.state.interval == 1 and view.state.repetitions == 0
    assert example.reports.check(second).ok and example.reports.check(morning).ok


def test_check_agrees_after_the_clock_is_set_back(example, now):
    answer_all(example, DECK, now + timedelta(days=2))
    earlier = now - timedelta(days=30)  # the clock corrected, a month back
    assert example.reports.check(earlier).ok
    step = example.study.step(DECK, earlier)
    assert step is None or step.today == study_day(now + timedelta(days=2))


# -- 7. lapses -----------------------------------------------------------------------------


def test_failing_a_new_card_day_after_day_is_no_lapse(example, now):
    card = example.study.step(DECK, now).card.id
    for day in range(9):
        example.study.answer(card, Grade.AGAIN, now + timedelta(days=day))
    view = example.study.card(card, now + timedelta(days=9))
    assert view.lapses == 0 and "leech" not in view.tags
    example.study.answer(card, Grade.GOOD, now + timedelta(days=10))
    example.study.answer(card, Grade.AGAIN, now + timedelta(days=12))
    assert example.study.card(card, now + timedelta(days=12)).lapses == 1
    assert LEECH_LAPSES == 8


def test_an_old_collection_gets_its_lapses_recounted_once(col_path, now):
    with Collection.open(col_path, bundled=False) as c:
        c.files.import_files([FIXTURES / "example.toml"])
        card = c.study.step(DECK, now).card.id
        for day in range(3):
            c.study.answer(card, Grade.AGAIN, now + timedelta(days=day))
        c.db.execute("UPDATE cards SET lapses = 2 WHERE cid = (SELECT cid FROM card_ids "
                     "WHERE id = ?)", [card])  # the old rule's count
        c.set_setting("study_rules", 1)
    with Collection.open(col_path, bundled=False) as c:
        assert c.study.card(card, now).lapses == 0
        assert c.setting("study_rules") == 2 and c.reports.check(now + timedelta(days=3)).ok


def test_exam_dates_must_be_in_the_future_and_can_be_cleared(example, now):
    from flashdesk.model import FlashdeskError

    with pytest.raises(FlashdeskError, match="not after today"):
        example.decks.set_exam(DECK, now.date(), now)
    example.decks.set_exam(DECK, now.date() + timedelta(days=10), now)
    assert example.decks.exam_plan(DECK, now).days_left == 10
    example.decks.set_exam(DECK, None, now)
    assert example.decks.exam_plan(DECK, now) is None
    assert exam_day(date(1970, 1, 11)) == 10


def test_undo_of_an_answer_refuses_once_an_exam_date_moved_the_card(example, now):
    """Setting an exam date reschedules a studied card (logged): undoing the
    answer before it would put back a due day the log no longer agrees with."""
    card = example.study.step(DECK, now).card.id
    example.study.answer(card, Grade.GOOD, now)
    tomorrow = now + timedelta(days=1)
    example.study.end_session()
    example.study.answer(card, Grade.GOOD, tomorrow)  # due in 6 days
    exam = date.fromordinal(719163 + study_day(tomorrow) + 4)
    example.decks.set_exam(DECK, exam, tomorrow)
    moved = example.study.card(card, tomorrow).schedule.due
    assert moved < exam_day(exam)
    with pytest.raises(UndoRefused, match="rescheduled since"):
        example.undo.undo(tomorrow)
    assert example.study.card(card, tomorrow).schedule.due == moved
    assert example.reports.check(tomorrow).ok
