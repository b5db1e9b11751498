"""`python -m workshop`: check an exercise, solve it, or catch up (the Makefile's targets).

    make check EX=3          # is exercise 3 done? "done", or a hint naming what is missing
    make check               # every exercise, in order: where the attendee stands
    make solve EX=3          # apply exercise 3's reference solution
    make catch-up EX=5       # solve every exercise up to 5 that is not done yet, in order

A checker never shows a traceback: whatever goes wrong while inspecting the platform becomes a
one-line hint. `check` exits with 1 while an exercise asked about is not done.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable

from workshop.exercises import Exercise, NotDone, exercises
from workshop.platform_state import PlatformState, one_line
from workshop.workbench import SolveError, Workbench

DONE, NOT_DONE = "done", "not done"


def parse_numbers(words: list[str], known: dict[int, Exercise]) -> list[int]:
    """`3`, `3 4`, `2-5` or nothing (every exercise)."""
    if not words:
        return list(known)
    numbers: list[int] = []
    for word in " ".join(words).replace(",", " ").split():
        first, _, last = word.partition("-")
        try:
            span = range(int(first), int(last or first) + 1)
        except ValueError:
            raise SystemExit(
                f'EX={word}: give exercise numbers, e.g. EX=3, EX="3 4" or EX=2-5'
            ) from None
        for number in span:
            if number not in known:
                raise SystemExit(f"there is no exercise {number}: they are {sorted(known)}")
            numbers.append(number)
    return numbers


def check_one(exercise: Exercise, platform: PlatformState) -> tuple[str, str]:
    """(status, what to say)."""
    try:
        exercise.module("check").check(platform)
    except NotDone as hint:
        return NOT_DONE, str(hint)
    except Exception as error:  # a checker must never show a traceback
        return NOT_DONE, (
            f"the check could not finish ({one_line(error)}). Is the platform set up "
            f"(`make up`)? Re-read {exercise.page.relative_to(exercise.folder.parents[1])}, or "
            f"catch up with `make solve EX={exercise.number}`."
        )
    return DONE, ""


def check(numbers: list[int], known: dict[int, Exercise], porcelain: bool = False) -> int:
    platform = PlatformState()
    unfinished = 0
    for number in numbers:
        exercise = known[number]
        status, said = check_one(exercise, platform)
        unfinished += status == NOT_DONE
        if porcelain:
            print(f"{number} {status}")
        elif status == DONE:
            print(f"Exercise {number} ({exercise.title}): done")
        else:
            print(f"Exercise {number} ({exercise.title}): not done yet.\n  Hint: {said}")
    return 1 if unfinished else 0


def unfinished_before(number: int, known: dict[int, Exercise]) -> list[int]:
    """The earlier exercises that are not done, checked in a process of their own: solving one
    changes the code, which a process cannot load twice."""
    earlier = [n for n in known if n < number]
    if not earlier:
        return []
    listing = subprocess.run(
        [sys.executable, "-m", "workshop", "check", "--porcelain", *map(str, earlier)],
        capture_output=True,
        text=True,
    )
    statuses = dict(line.split(" ", 1) for line in listing.stdout.splitlines() if " " in line)
    return [n for n in earlier if statuses.get(str(n), NOT_DONE) == NOT_DONE]


def solve(numbers: list[int], known: dict[int, Exercise]) -> int:
    bench = Workbench()
    for number in numbers:
        exercise = known[number]
        print(f"== Solving exercise {number}: {exercise.title}", flush=True)
        solver: Callable[[Workbench], None] = exercise.module("solve").solve
        try:
            solver(bench)
        except SolveError as error:
            print(f"Exercise {number}: the solution could not be applied: {error}")
            return 1
        except Exception as error:
            print(
                f"Exercise {number}: the solution could not be applied ({one_line(error)}). "
                f"Is `make up` done? Check what is missing with `make check EX={number}`."
            )
            return 1
    print(f"Solved {', '.join(map(str, numbers))}. Check with: make check EX={numbers[-1]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workshop", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("check", "solve", "catch-up", "list"):
        command = commands.add_parser(name)
        command.add_argument("exercises", nargs="*", help="numbers: 3, or 3 4, or 2-5")
        if name == "check":
            command.add_argument("--porcelain", action="store_true", help="one status a line")
    args = parser.parse_args(argv)
    known = exercises()
    numbers = parse_numbers(args.exercises, known)
    if args.command == "list":
        for number in numbers:
            print(f"{number}. {known[number].title}: {known[number].page}")
        return 0
    if args.command == "check":
        return check(numbers, known, args.porcelain)
    if args.command == "solve":
        if not args.exercises:
            raise SystemExit("say which exercise to solve: make solve EX=3")
        return solve(numbers, known)
    # catch-up: everything unfinished up to the last number asked for, then that one.
    last = max(numbers)
    return solve([*unfinished_before(last, known), last], known)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C: the attendee knows why it stopped
