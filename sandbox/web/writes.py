"""Group commit for the gallery's writes: requests that arrive together share one write session and one save.

Thirty attendees pressing "Mint" at once would otherwise take the state
file's lock thirty times and write the whole file thirty times. Here the
first request becomes the leader: it opens one write session, runs every
job waiting at that moment (each on its own: one that fails gets its error,
the others still land), saves once, and repeats while more arrived. The
other requests wait for their own result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sandbox.main import Sandbox
from sandbox.workshop.session import Workshop

T = TypeVar("T")


class _NothingToSave(Exception):
    """Every job of a batch failed: the session rolls back instead of saving."""


class GroupWriter:
    """Runs ``job(sb)`` inside a write session shared with the jobs submitted at the same time."""

    def __init__(self, workshop: Workshop) -> None:
        self.ws = workshop
        self._lock = threading.Lock()
        self._pending: list[tuple[Callable[[Sandbox], Any], Future[Any]]] = []
        self._leading = False
        #: Sessions opened and jobs run (for the bench and the tests).
        self.sessions = 0
        self.jobs = 0

    @property
    def busy(self) -> bool:
        """Whether a write session is running (readers may then use the last page instead of waiting)."""
        return self._leading

    def run(self, job: Callable[[Sandbox], T]) -> T:
        """``job``'s result (or its exception), once the session it ran in is saved."""
        future: Future[T] = Future()
        with self._lock:
            self._pending.append((job, future))
            lead = not self._leading
            if lead:
                self._leading = True
        if lead:
            self._lead()
        return future.result()

    def _lead(self) -> None:
        while True:
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._leading = False
                    return
            outcomes: list[tuple[Future[Any], Any, BaseException | None]] = []
            try:
                with self.ws.session(write=True) as sb:
                    self.sessions += 1
                    for job, future in batch:
                        self.jobs += 1
                        try:
                            outcomes.append((future, job(sb), None))
                        except Exception as exc:  # this job's error; the batch goes on
                            outcomes.append((future, None, exc))
                    if all(error is not None for _, _, error in outcomes):
                        raise _NothingToSave  # every job failed: roll back, leave the file as it was
            except _NothingToSave:
                pass
            except BaseException as exc:  # the session itself failed (lock, save): every job in it failed
                for _, future in batch:
                    future.set_exception(exc)
                if not isinstance(exc, Exception):
                    with self._lock:
                        self._leading = False
                    raise
                continue
            for future, result, error in outcomes:
                if error is None:
                    future.set_result(result)
                else:
                    future.set_exception(error)
