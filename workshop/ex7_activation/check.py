"""Exercise 7's checker, until the activation group arrives: it says so, and nothing else."""

from __future__ import annotations

from workshop.ex7_activation import ARRIVES
from workshop.exercises import NotYetAvailable
from workshop.platform_state import PlatformState


def check(platform: PlatformState) -> None:
    raise NotYetAvailable(ARRIVES)
