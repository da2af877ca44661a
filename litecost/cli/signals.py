"""Ctrl-C and SIGTERM: stop at once, roll back, exit 130 (or 143).

A signal reaches Python's handler only when the main thread runs Python code, and the
main thread may be deep inside a DuckDB query for many seconds. So the signal is also
written to a wakeup pipe, and a watcher thread interrupts every open connection the
moment it arrives; the query fails, the transaction rolls back, and the handler's
KeyboardInterrupt unwinds the rest. `received()` tells the error mapping that whatever
exception came out (DuckDB's "Query interrupted", KeyboardInterrupt) was the signal.
"""

from __future__ import annotations

import os
import signal
import threading

from litecost.errors import ExitCode
from litecost.store import interrupt_open_stores

EXIT_CODES = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED}
WORDS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}

_received: list[int] = []


def received() -> int | None:
    """The first stopping signal this process got, if any."""
    return _received[0] if _received else None


def _on_signal(signum: int, frame: object) -> None:
    _received.append(signum)
    raise KeyboardInterrupt


def _watch(read_fd: int) -> None:
    while os.read(read_fd, 64):
        interrupt_open_stores()


def install() -> None:
    """Handle SIGINT and SIGTERM (main thread only). A signal the parent set to be
    ignored (`nohup`, a background job of a non-interactive shell) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        return
    handled = [s for s in EXIT_CODES if signal.getsignal(s) is not signal.SIG_IGN]
    if not handled:
        return
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    threading.Thread(target=_watch, args=(read_fd,), name="litecost-signals", daemon=True).start()
    for signum in handled:
        signal.signal(signum, _on_signal)
