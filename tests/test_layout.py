"""`platform/` never shadows the standard library's `platform`, in any process that loads it."""

from __future__ import annotations

import platform
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import REPO_ROOT

STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()

# Imports the code location the way a run worker does, then asks which `platform` it got.
PROBE = """
import graduated_platform.definitions, platform, sys
print(platform.__file__)
print(platform.python_version())
"""


def test_this_process_has_the_standard_library_platform():
    assert Path(platform.__file__).resolve().parent == STDLIB


def test_a_process_started_in_the_repository_root_gets_the_standard_library_platform():
    # `python -c` and `python -m` put the current directory first on sys.path: the worst case.
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    module_file, version = result.stdout.split()
    assert Path(module_file).resolve().parent == STDLIB
    assert version == platform.python_version()


def test_platform_folder_is_a_source_root_not_a_package():
    assert not (REPO_ROOT / "platform" / "__init__.py").exists()
    assert (REPO_ROOT / "platform" / "graduated_platform" / "__init__.py").exists()


def test_a_type_checker_resolves_the_code_location_and_the_standard_library():
    # mypy follows files, not import hooks: it must see graduated_platform under platform/ and
    # still type `platform.python_version()` from the standard library's stubs. The files it
    # checks, tests/typecheck_probe.py among them, are listed in pyproject.toml.
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
