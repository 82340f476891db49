"""Before Qt starts on Linux: the libraries its X11 plugin lacks are named,
with the packages that hold them (instead of Qt aborting with a wrong hint)."""

import sys

import pytest

from flashdesk.ui import startup

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f)
\tlibxcb-icccm.so.4 => not found
"""


def test_missing_libraries_are_named_once_with_their_packages(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    assert startup.missing_libraries(lambda path: LDD) == ["libxcb-icccm.so.4",
                                                            "libxcb-keysyms.so.1"]
    message = startup.platform_problem(lambda path: LDD)
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in message
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in message
    assert "sudo dnf install xcb-util-keysyms xcb-util-wm" in message
    assert "cursor" not in message  # the library Qt would wrongly blame is there


@pytest.mark.parametrize("env", [{"QT_QPA_PLATFORM": "offscreen"}, {"WAYLAND_DISPLAY": "w"},
                                 {}])
def test_nothing_is_said_when_x11_is_not_what_qt_will_use(monkeypatch, env):
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert startup.platform_problem(lambda path: LDD) is None


def test_all_libraries_present_means_no_problem(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert startup.platform_problem(lambda path: LDD.replace("not found", "/lib/x.so")) is None


def test_this_machines_real_plugin_can_be_checked():
    """On this machine ldd really runs over PySide6's plugin: the answer is a
    list of library names (empty where every one is installed)."""
    found = startup.missing_libraries()
    assert isinstance(found, list) and all(name.startswith("lib") for name in found)
