"""One window per profile: a second launch says so and brings the first forward."""

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


def test_a_second_launch_names_the_profile_and_exits(qtbot, tmp_path, monkeypatch):
    profile = tmp_path / "p" / "collection.db"
    told = []
    monkeypatch.setattr(AlreadyRunning, "tell", classmethod(lambda cls, folder: told.append(folder)))
    running = InstanceGuard(profile.parent)
    assert running.acquire()
    try:
        with qtbot.waitSignal(running.activation_requested, timeout=5000):
            assert app_module.run(profile) == 1
        assert told == [profile.parent]
        assert not profile.exists()  # the database was never opened twice
    finally:
        running.release()
