"""Shared test setup: Qt runs headless, and nothing touches the real user data folder."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("FLASHDESK_HOME", None)
