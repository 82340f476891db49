"""One window per profile: a lock file in the profile folder, and a local
socket (named after a hash of the folder) on which a second launch asks the
running window to come forward."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

__all__ = ["InstanceGuard", "server_name"]

_ACTIVATE = b"activate\n"


def server_name(profile_dir: Path) -> str:
    """The local socket name for a profile folder (stable, short, path-free)."""
    key = str(Path(profile_dir).expanduser().resolve())
    return "flashdesk-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


class InstanceGuard(QObject):
    """``acquire()`` the profile, or learn that another window has it."""

    activation_requested = Signal()

    def __init__(self, profile_dir: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.profile_dir = Path(profile_dir)
        self.name = server_name(self.profile_dir)
        self._lock: QLockFile | None = None
        self._server: QLocalServer | None = None

    @property
    def held(self) -> bool:
        return self._lock is not None

    def acquire(self) -> bool:
        """Take the profile for this process; False if another one has it."""
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        lock = QLockFile(str(self.profile_dir / "flashdesk.lock"))
        # 0: a lock is stale only when its process is gone, never just because it is old
        lock.setStaleLockTime(0)
        if not lock.tryLock(0):
            return False
        self._lock = lock
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(self.name)  # left over by a crash; we hold the lock
        if server.listen(self.name):
            server.newConnection.connect(self._on_connection)
            self._server = server
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def activate_running(self, timeout_ms: int = 1000) -> bool:
        """Ask the window that holds the profile to come forward."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(_ACTIVATE)
        ok = socket.waitForBytesWritten(timeout_ms)
        socket.disconnectFromServer()
        return ok

    @Slot()
    def _on_connection(self) -> None:
        while self._server is not None and (socket := self._server.nextPendingConnection()):
            # the socket is the server's child and goes with it (a handful per session)
            socket.readyRead.connect(lambda s=socket: self._on_ready(s))
            if socket.bytesAvailable():
                self._on_ready(socket)

    def _on_ready(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).startswith(_ACTIVATE.strip()):
            self.activation_requested.emit()
