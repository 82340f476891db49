"""Before Qt starts on Linux: are the system libraries its X11 platform plugin
needs installed? Qt itself aborts the process when they are not, often
naming the wrong one (it blames libxcb-cursor0 when libxcb-icccm4 and
libxcb-keysyms1 are missing), so flashdesk asks ``ldd`` first and names the
missing libraries and the packages that hold them. Nothing here imports Qt.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

__all__ = ["missing_libraries", "platform_problem", "PACKAGES"]

#: shared library → (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
}


def _xcb_plugin() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(list(spec.submodule_search_locations)[0]) / "Qt" / "plugins" / "platforms" / \
        "libqxcb.so"
    return plugin if plugin.is_file() else None


def _ldd(path: Path) -> str:
    ldd = shutil.which("ldd")
    if ldd is None:
        return ""
    try:
        return subprocess.run([ldd, str(path)], capture_output=True, text=True,
                              timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def missing_libraries(run_ldd: Callable[[Path], str] = _ldd) -> list[str]:
    """The shared libraries Qt's X11 plugin needs and the system lacks, as
    ``ldd`` reports them ("… => not found"), each once; [] when all are there
    or it cannot tell."""
    plugin = _xcb_plugin()
    if plugin is None:
        return []
    missing: list[str] = []
    for line in run_ldd(plugin).splitlines():
        name, _, where = line.strip().partition(" => ")
        if where.strip() == "not found" and name not in missing:
            missing.append(name)
    return missing


def _uses_xcb() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0] == "xcb"
    # with no platform named, Qt takes Wayland when it can, else X11
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def platform_problem(run_ldd: Callable[[Path], str] = _ldd) -> str | None:
    """What stops the window from starting on this Linux system, with the
    commands that fix it; None when nothing does (or not on Linux/X11)."""
    if not sys.platform.startswith("linux") or not _uses_xcb():
        return None
    missing = missing_libraries(run_ldd)
    if not missing:
        return None
    debian = sorted({PACKAGES[m][0] for m in missing if m in PACKAGES})
    fedora = sorted({PACKAGES[m][1] for m in missing if m in PACKAGES})
    lines = [f"flashdesk cannot open its window: Qt's X11 support needs {', '.join(missing)}, "
             "which this system does not have."]
    if debian:
        lines.append(f"On Debian or Ubuntu: sudo apt install {' '.join(debian)}")
        lines.append(f"On Fedora: sudo dnf install {' '.join(fedora)}")
    lines.append("Until then you can study in the terminal with `flashdesk review`.")
    return "\n".join(lines)
