"""Peak resident memory (RSS) of the processes a bench starts, while they run.

Two measures, because neither alone answers "how much memory does the platform need":

- `TreeMemory` samples every descendant of this process (psutil, every 0.1 s) and keeps the
  largest sum of their RSS: the platform is a tree (`dg launch` runs the steps in its own
  process and starts dbt, twice, beside it), and what a machine must hold is the processes
  alive together. Sampling can miss a peak shorter than the interval, and shared pages
  (libraries) count once per process.
- `largest_child_peak` reads the kernel's high-water mark for the largest single descendant
  this process has waited for (`getrusage(RUSAGE_CHILDREN)`): exact, but never a sum, and the
  maximum over every child so far, so it is read right after the one child of interest.
"""

from __future__ import annotations

import resource
import threading
from types import TracebackType

import psutil


class TreeMemory:
    """`with TreeMemory() as memory: ...` then `memory.peak_bytes`: the largest total RSS of
    this process's descendants seen while the block ran; `largest_name` names the process
    seen with the largest RSS of its own (`dbt`, `dg`, ...)."""

    def __init__(self, interval_seconds: float = 0.1) -> None:
        self.interval_seconds = interval_seconds
        self.peak_bytes = 0
        self.largest_name = ""
        self._largest_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(self.interval_seconds):
            total = 0
            for process in me.children(recursive=True):
                try:
                    rss = process.memory_info().rss
                    if rss > self._largest_bytes:
                        self._largest_bytes, self.largest_name = rss, process.name()
                except psutil.Error:  # it ended between the listing and the reading
                    continue
                total += rss
            self.peak_bytes = max(self.peak_bytes, total)


def largest_child_peak() -> int:
    """The peak RSS in bytes of the largest descendant waited for so far (Linux: KiB * 1024)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
