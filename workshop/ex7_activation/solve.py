"""Exercise 7's solution, until the activation group arrives: nothing to apply."""

from __future__ import annotations

from workshop.ex7_activation import ARRIVES
from workshop.exercises import NotYetAvailable
from workshop.workbench import Workbench


def solve(bench: Workbench) -> None:
    raise NotYetAvailable(ARRIVES)
