"""The exercises, found by their folder names, and what a checker may say about one.

An exercise is a package `workshop/ex<N>_<name>/` whose `__init__.py` holds its `TITLE` and
`START_HINT` (a phrase its checker says on the state the exercise starts from: the walk-through
test holds the checker to it), with `check.py` and `solve.py` beside it.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

WORKSHOP = Path(__file__).resolve().parent
FOLDER = re.compile(r"ex(\d+)_[a-z0-9_]+")


class NotDone(Exception):
    """The exercise is not done yet; the message is the hint: what is missing, what to do."""


@dataclass(frozen=True)
class Exercise:
    number: int
    folder: Path

    @property
    def package(self) -> str:
        return f"workshop.{self.folder.name}"

    def module(self, name: str = "") -> ModuleType:
        return importlib.import_module(f"{self.package}.{name}" if name else self.package)

    @property
    def title(self) -> str:
        return str(self.module().TITLE)

    @property
    def start_hint(self) -> str:
        return str(self.module().START_HINT)

    @property
    def page(self) -> Path:
        return self.folder / "README.md"


def exercises() -> dict[int, Exercise]:
    """Every exercise, by number."""
    found = {}
    for folder in sorted(WORKSHOP.iterdir()):
        match = FOLDER.fullmatch(folder.name)
        if match and (folder / "__init__.py").exists():
            number = int(match.group(1))
            if number in found:
                raise RuntimeError(f"two exercises are number {number}: rename one folder")
            found[number] = Exercise(number, folder)
    return dict(sorted(found.items()))
