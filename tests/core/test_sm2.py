"""SM-2 against SuperMemo's published algorithm (Wozniak, 1990)."""

import pytest

from flashdesk.scheduler.sm2 import SM2State, review


def run(qualities, state=SM2State()):
    history = []
    for q in qualities:
        state = review(state, q)
        history.append(state)
    return history


def test_first_intervals_are_one_then_six_then_interval_times_ease():
    history = run([4, 4, 4, 4])
    assert [s.interval for s in history] == [1, 6, 15, 38]
    assert [s.repetitions for s in history] == [1, 2, 3, 4]
    assert all(s.ease == 2.5 for s in history)  # q=4 leaves EF unchanged


def test_six_times_two_and_a_half_is_fifteen_not_sixteen():
    state = SM2State(repetitions=2, ease=2.5, interval=6)
    assert review(state, 4).interval == 15


def test_interval_uses_the_ease_from_before_the_answer():
    state = SM2State(repetitions=2, ease=2.5, interval=6)
    after = review(state, 3)  # ease drops to 2.36, but 6 × 2.5 is used
    assert after.interval == 15
    assert after.ease == 2.36


@pytest.mark.parametrize("quality, ease", [(5, 2.6), (4, 2.5), (3, 2.36)])
def test_ease_update_formula(quality, ease):
    assert review(SM2State(), quality).ease == ease


def test_fractional_interval_is_rounded_up():
    # 38 × 2.6 = 98.8 → 99
    assert review(SM2State(repetitions=4, ease=2.6, interval=38), 4).interval == 99


def test_pinned_history_with_mixed_grades():
    history = run([5, 5, 4, 3, 5, 4])
    assert [s.interval for s in history] == [1, 6, 17, 46, 118, 314]  # 6×2.7=16.2→17, 17×2.7=45.9→46, 46×2.56=117.76→118
    assert [s.ease for s in history] == [2.6, 2.7, 2.7, 2.56, 2.66, 2.66]


def test_ease_never_goes_below_1_3():
    history = run([3] * 10)
    assert [s.ease for s in history][:6] == [2.36, 2.22, 2.08, 1.94, 1.8, 1.66]
    assert min(s.ease for s in history) == 1.3
    assert history[-1].ease == 1.3


@pytest.mark.parametrize("quality", [0, 1, 2])
def test_failure_restarts_repetitions_and_keeps_ease(quality):
    state = SM2State(repetitions=5, ease=2.18, interval=40)
    after = review(state, quality)
    assert after == SM2State(repetitions=0, ease=2.18, interval=1)
    # and the next success starts the 1, 6 sequence again
    assert [s.interval for s in run([4, 4, 4], after)] == [1, 6, 14]  # ceil(6 × 2.18) = 14


def test_ease_stays_exact_over_many_answers():
    history = run([5, 3] * 40)
    for s in history:
        assert s.ease == round(s.ease, 2)
    assert history[-1].ease == 1.3  # 40 × (+0.10 − 0.14) drifts down to the floor


@pytest.mark.parametrize("bad", [-1, 6, 2.5, "4", None, True])
def test_quality_outside_zero_to_five_raises(bad):
    with pytest.raises(ValueError):
        review(SM2State(), bad)


def test_state_is_frozen():
    with pytest.raises(AttributeError):
        SM2State().interval = 3
