"""Shared test setup: Qt runs headless, and nothing touches the real user data folder."""

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("FLASHDESK_HOME", None)
# a command that forgets --data-dir lands in a throwaway folder, never the user's own
_HOME = tempfile.mkdtemp(prefix="flashdesk-test-home-")
for _name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_name] = os.path.join(_HOME, _name.lower())
