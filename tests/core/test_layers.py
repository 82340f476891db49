"""The layers in DESIGN.md: a Qt-free core, and SQL only in flashdesk/store/."""

import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "flashdesk"
CORE_MODULES = ["flashdesk.cli", "flashdesk.collection", "flashdesk.study", "flashdesk.cards",
                "flashdesk.formats", "flashdesk.store", "flashdesk.scheduler.sm2"]


def test_core_runs_without_importing_qt():
    code = ("import sys; " + "; ".join(f"import {m}" for m in CORE_MODULES)
            + "; print('PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def python_files(exclude: str):
    return [p for p in PACKAGE.rglob("*.py") if exclude not in p.relative_to(PACKAGE).parts]


def test_no_qt_outside_ui():
    offenders = [str(p) for p in python_files("ui")
                 if re.search(r"^\s*(from|import)\s+PySide6", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []


def test_no_sql_outside_store():
    sql = re.compile(r"""["'](SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA)\s""")
    offenders = [str(p) for p in python_files("store") if sql.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
