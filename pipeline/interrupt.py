"""Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal closed under a running command) end a command
at the next safe point, never in the middle of a write.

While `handled()` is in force, each of them raises Interrupted in the main thread: at once
(Python checks for signals between instructions, so a native call such as a Whisper window
finishes first), or, inside a `deferred()` block (a folder being swapped into place, a job being
handed back), when that block ends. The stage cache already holds every finished stage, so a
rerun resumes. Work in another thread is stopped with `stop_thread`: a process must not exit
while a thread is still inside torch or CTranslate2, whose native threads then abort the
interpreter's exit ("terminate called without an active exception").
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

# Tests only: OFFRECORD_HOLD=<point> makes the process wait at that point until a signal comes
# (points: decode, attribute, publish), so a test can interrupt a stage that is over in
# milliseconds.
HOLD = "OFFRECORD_HOLD"


class Interrupted(KeyboardInterrupt):
    """A stop asked for by a signal; the command ends with status 128 + the signal's number."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = 128 + signum


class _State:
    installed = False
    pending: int | None = None  # the first signal received
    raised = False  # Interrupted has been raised: the process is stopping
    depth = 0  # nesting of deferred() blocks in the main thread


_state = _State()


def _handler(signum, frame) -> None:
    if _state.pending is None:
        _state.pending = signum
    if _state.depth == 0 and not _state.raised:
        _state.raised = True
        raise Interrupted(signum)


@contextmanager
def handled():
    """SIGINT, SIGTERM and SIGHUP raise Interrupted for the duration of the block. A signal ignored by
    whoever started us stays ignored (a shell's background job ignores Ctrl-C meant for the
    foreground). Only the main thread can install handlers; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    _state.installed, _state.pending, _state.raised, _state.depth = True, None, False, 0
    for s, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(s, _handler)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _state.installed = False


@contextmanager
def deferred():
    """A block that a signal must not cut in two: Interrupted waits until it ends."""
    if not _state.installed or threading.current_thread() is not threading.main_thread():
        yield
        return
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0 and _state.pending is not None and not _state.raised:
            _state.raised = True
            raise Interrupted(_state.pending)


def stop_thread(thread: threading.Thread) -> None:
    """Raise Interrupted in `thread` at its next Python instruction and wait for it to end (the
    native operation it is in, if any, completes first)."""
    if thread.ident is not None and thread.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(Interrupted))
    thread.join()


def hold(point: str) -> None:
    """Tests only: wait here for a signal when OFFRECORD_HOLD names this point."""
    if os.environ.get(HOLD) != point:
        return
    print(f"offrecord: holding at {point}", file=sys.stderr, flush=True)
    while _state.pending is None:
        time.sleep(0.01)
