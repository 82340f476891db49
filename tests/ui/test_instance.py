"""One window per profile: a second launch says so and brings the first forward."""

import pytest

from flashdesk.ui import app as app_module
from flashdesk.ui.dialogs.messages import AlreadyRunning
from flashdesk.ui.instance import InstanceGuard, server_name


def test_a_second_guard_on_the_same_profile_is_refused(qtbot, tmp_path):
    first = InstanceGuard(tmp_path / "p")
    second = InstanceGuard(tmp_path / "p")
    other = InstanceGuard(tmp_path / "q")
    try:
        assert first.acquire()
        assert not second.acquire()
        assert other.acquire()  # another profile is another matter
        with qtbot.waitSignal(first.activation_requested, timeout=5000):
            assert second.activate_running()
    finally:
        first.release()
        other.release()
    assert second.acquire()  # free again once the first has gone
    second.release()


def test_the_socket_name_is_a_hash_of_the_profile_folder(tmp_path):
    name = server_name(tmp_path / "p")
    assert name == server_name(tmp_path / "x" / ".." / "p")
    assert name != server_name(tmp_path / "q")
    assert str(tmp_path) not in name and name.startswith("flashdesk-")


def test_a_second_launch_brings_the_window_forward_and_exits_quietly(
        qtbot, tmp_path, monkeypatch, capsys):
    profile = tmp_path / "p" / "collection.db"
    monkeypatch.setattr(AlreadyRunning, "tell", classmethod(lambda cls, folder: pytest.fail(
        "no dialog when the first window answers")))
    running = InstanceGuard(profile.parent)
    assert running.acquire()
    try:
        with qtbot.waitSignal(running.activation_requested, timeout=5000):
            assert app_module.run(profile) == 0
        assert "brought forward" in capsys.readouterr().out
        assert not profile.exists()  # the database was never opened twice
    finally:
        running.release()


def test_a_second_launch_that_cannot_reach_the_window_says_so_without_waiting(
        qtbot, tmp_path, monkeypatch, capsys):
    profile = tmp_path / "p" / "collection.db"
    monkeypatch.setattr(AlreadyRunning, "tell", classmethod(lambda cls, folder: pytest.fail(
        "a dialog nobody can click away on a headless display")))
    running = InstanceGuard(profile.parent)
    assert running.acquire()
    running._server.close()  # the first window hangs: the profile is held, nobody answers
    try:
        assert app_module.run(profile) == 1
        err = capsys.readouterr().err
        assert "already open" in err and str(profile.parent) in err
    finally:
        running.release()
