"""The flashdesk window (PySide6). Nothing outside this package imports Qt;
everything here talks to the core through ``flashdesk.collection.Collection``."""

from .pyside_fixes import install as _install_pyside_fixes

_install_pyside_fixes()  # before any window exists: see pyside_fixes.py
