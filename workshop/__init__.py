"""The workshop: exercises on the real platform, each with a page, a checker and a solution.

Every exercise lives in a folder of its own, `ex<N>_<name>/`: `README.md` (the page),
`check.py` (`check(platform)`: raises `NotDone` with a hint, or returns when done), `solve.py`
(`solve(bench)`: does what the page asks, through the CLI) and whatever files its solution
copies. `python -m workshop` (`make check EX=N`, `make solve EX=N`) finds them by their folder
names, so adding an exercise touches its own folder and one line of workshop/README.md's index.

The workshop inspects the platform and drives it; the platform never imports the workshop
(an import-linter contract in pyproject.toml).
"""
