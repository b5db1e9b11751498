"""The README tells the truth: its graph is the code's graph, its commands are the Makefile's."""

from __future__ import annotations

import re

from docs.asset_graph import mermaid
from graduated_platform.definitions import defs
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def test_the_readme_graph_is_the_graph_the_definitions_build():
    (drawn,) = re.findall(r"```mermaid\n(.*?)\n```", README, flags=re.DOTALL)
    assert drawn == mermaid(defs.resolve_asset_graph())


def test_the_two_commands_are_make_targets_and_ci_runs_the_test_one():
    makefile = (REPO_ROOT / "Makefile").read_text()
    targets = (
        *("up", "test", "test-quick", "data", "deliver", "bad-day", "dbt-manifest", "lint"),
        *("bench", "clean", "daily-table", "alerts"),
    )
    for target in targets:
        assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.MULTILINE), target
        assert f"make {target}" in README or target in ("up", "test"), target
    assert "make up" in README and "make test" in README
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert ci.strip().endswith("make lint\nmake test")
