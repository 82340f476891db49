"""Two profiles on this machine, synced through two real Syncthing instances
that talk only over 127.0.0.1 (global and local discovery, relays, NAT,
usage reporting and crash reporting off), each sharing one folder for one
profile. Answers on both sides, by the command line; both converge.

Skipped where ``syncthing`` is not installed (Debian: ``apt-get install
syncthing``; ``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from flashdesk.collection import Collection
from flashdesk.store import queries as q
from flashdesk.study import SM2_FIELDS

SYNCTHING = shutil.which("syncthing")
pytestmark = pytest.mark.skipif(SYNCTHING is None, reason="syncthing is not installed")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FOLDER_ID = "flashdesk-e2e"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """One Syncthing home: its keys, its config (written here), its process."""

    def __init__(self, home: Path, folder: Path, name: str):
        self.home, self.folder, self.name = home, folder, name
        out = subprocess.run([SYNCTHING, "generate", f"--home={home}"], capture_output=True,
                             text=True, check=True, timeout=60)
        self.device = next(line.split("Device ID:")[1].strip()
                           for line in (out.stdout + out.stderr).splitlines()
                           if "Device ID:" in line)
        self.port, self.gui = free_port(), free_port()
        self.key = f"key-{name}-{os.getpid()}"
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True)
        (folder / ".stfolder").mkdir()  # Syncthing's marker: this folder is meant to be there

    def configure(self, peer: "Instance") -> None:
        version = (self.home / "config.xml").read_text().split('version="', 1)[1].split('"')[0]
        (self.home / "config.xml").write_text(f"""<configuration version="{version}">
    <folder id="{FOLDER_ID}" label="flashdesk" path="{self.folder}" type="sendreceive"
            rescanIntervalS="2" fsWatcherEnabled="true" fsWatcherDelayS="1"
            ignorePerms="false" autoNormalize="true">
        <filesystemType>basic</filesystemType>
        <device id="{self.device}" introducedBy=""></device>
        <device id="{peer.device}" introducedBy=""></device>
        <minDiskFree unit="%">0</minDiskFree>
    </folder>
    <device id="{self.device}" name="{self.name}" compression="metadata" introducer="false">
        <address>dynamic</address>
    </device>
    <device id="{peer.device}" name="{peer.name}" compression="metadata" introducer="false">
        <address>tcp://127.0.0.1:{peer.port}</address>
    </device>
    <gui enabled="true" tls="false">
        <address>127.0.0.1:{self.gui}</address>
        <apikey>{self.key}</apikey>
    </gui>
    <options>
        <listenAddress>tcp://127.0.0.1:{self.port}</listenAddress>
        <globalAnnounceEnabled>false</globalAnnounceEnabled>
        <localAnnounceEnabled>false</localAnnounceEnabled>
        <relaysEnabled>false</relaysEnabled>
        <natEnabled>false</natEnabled>
        <urAccepted>-1</urAccepted>
        <urSeen>3</urSeen>
        <crashReportingEnabled>false</crashReportingEnabled>
        <startBrowser>false</startBrowser>
        <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
        <minHomeDiskFree unit="%">0</minHomeDiskFree>
    </options>
</configuration>
""")

    def start(self) -> None:
        env = {**os.environ, "STNODEFAULTFOLDER": "1", "STNOUPGRADE": "1", "STNORESTART": "1"}
        self.log = open(self.home / "syncthing.log", "w")
        self.process = subprocess.Popen(
            [SYNCTHING, "serve", f"--home={self.home}", "--no-browser", "--no-restart",
             "--no-upgrade"], stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def api(self, path: str):
        request = urllib.request.Request(f"http://127.0.0.1:{self.gui}{path}",
                                         headers={"X-API-Key": self.key})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def connected_to(self, peer: "Instance") -> bool:
        try:
            return bool(self.api("/rest/system/connections")["connections"]
                        .get(peer.device, {}).get("connected"))
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def same_files(a: Path, b: Path) -> bool:
    """Every flashdesk file under ``a`` is in ``b`` with the same bytes."""
    root = a / "flashdesk"
    if not root.is_dir():
        return False
    for path in root.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            other = b / path.relative_to(a)
            if not other.is_file() or other.read_bytes() != path.read_bytes():
                return False
    return True


def flashdesk(data: Path, *args: str, answers: str = "") -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "flashdesk", "--data-dir", str(data), *args],
                            input=answers, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert result.returncode == 0, result.stderr + result.stdout
    return result


def start_flashdesk(data: Path, *args: str, answers: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "flashdesk", "--data-dir", str(data), *args],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert process.stdin is not None
    process.stdin.write(answers)
    process.stdin.close()
    return process


def states(data: Path) -> dict[str, tuple]:
    col = Collection.open(data / "default" / "collection.db", bundled=False, backups=False)
    try:
        return {cid: tuple(r[f] for f in (*SM2_FIELDS, "answers"))
                for cid, r in q.all_schedules(col.db).items()}
    finally:
        col.close(backup=False)


def test_two_profiles_converge_through_a_real_syncthing_pair(tmp_path):
    a = Instance(tmp_path / "st-a", tmp_path / "sync-a", "laptop-a")
    b = Instance(tmp_path / "st-b", tmp_path / "sync-b", "laptop-b")
    a.configure(b)
    b.configure(a)
    data_a, data_b = tmp_path / "flashdesk-a", tmp_path / "flashdesk-b"
    try:
        a.start()
        b.start()
        wait_for(lambda: a.connected_to(b) and b.connected_to(a), 90,
                 "the two Syncthing instances to connect over 127.0.0.1")

        # A brings a deck of its own; B takes it through the folder
        flashdesk(data_a, "import", str(FIXTURES / "basics.toml"))
        flashdesk(data_a, "sync", "--folder", str(a.folder))
        wait_for(lambda: same_files(a.folder, b.folder), 90, "A's files to reach B")
        out = flashdesk(data_b, "sync", "--folder", str(b.folder), "--json")
        assert json.loads(out.stdout)["notes_added"] == 30

        # both study at the same time: the same new cards, answered on both sides
        studying = [start_flashdesk(data_a, "review", "basics",
                                    answers="\n3\n\n3\n\n1\n\n4\nq\n"),
                    start_flashdesk(data_b, "review", "basics", answers="\n4\n\n2\n\n3\nq\n")]
        for process in studying:
            assert process.wait(120) == 0, process.stderr.read()
        wait_for(lambda: same_files(a.folder, b.folder) and same_files(b.folder, a.folder), 90,
                 "each side's answers to reach the other")
        flashdesk(data_a, "sync")
        flashdesk(data_b, "sync")
        wait_for(lambda: same_files(a.folder, b.folder) and same_files(b.folder, a.folder), 90,
                 "both folders to agree")
    finally:
        a.stop()
        b.stop()
    state_a, state_b = states(data_a), states(data_b)
    assert state_a == state_b
    # every answer of both sides is in both, and counted once
    assert sum(s[-1] for s in state_a.values()) == 7
    for data in (data_a, data_b):
        assert "matches its review log" in flashdesk(data, "check").stdout
