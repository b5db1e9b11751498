"""dagster-dbt's `DbtCliResource`, without two start-up costs this platform never uses.

Before every `dbt build`, dagster-dbt 0.29 does two things in the step's process:

- it runs `dbt --version` in a second process to learn which dbt it drives (dbt Core or the
  Fusion engine): a whole dbt start-up, 8-12 s on this 2-core machine, once per step;
- it builds a dbt adapter in process (3 s), which it needs only for `fetch_column_metadata()`
  and `fetch_row_counts()`; this platform calls neither, and counts rows itself afterwards.

Neither has a public switch, so this class overrides the two private members, here and nowhere
else. `tests/test_dbt_resource.py` fails loudly if an upgrade renames or stops calling them, and
checks that the version given here is the one `dbt --version` prints. dbt itself still runs as a
subprocess, once per step, exactly as dagster-dbt runs it.

A third cost is dbt's own: each invocation gets a fresh target folder, seeded with
`target/partial_parse.msgpack` from `make dbt-manifest`. dbt re-parses the whole project when
the profile it renders differs from the one that file was written with: locally another
warehouse path (`PLATFORM_DATA_DIR`), in production the real credentials instead of the image's
build-time stand-ins, so every run re-parsed. `keep_partial_parse` puts the file dbt just wrote
back in its place, and the next run parses only what changed.
"""

import os
import tempfile
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliInvocation, DbtCliResource, DbtProject
from packaging.version import Version

PARTIAL_PARSE_FILE = "partial_parse.msgpack"


class DbtCli(DbtCliResource):
    """The dbt resource the platform's assets use (resources key `dbt`)."""

    @cached_property
    def _cli_version(self) -> Version:
        # The dbt executable is the dbt-core installed beside this interpreter (dbt_manifest.py),
        # so the installed package's version is the one `dbt --version` would print.
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Any) -> Any:
        # dagster-dbt passes None on when it has no adapter, as it does for the Fusion engine.
        return None


def keep_partial_parse(invocation: DbtCliInvocation, project: DbtProject) -> None:
    """Make the partial-parse file of a finished invocation the one the next invocation starts
    from. Replaced atomically: a run starting now reads either the old file or the new one."""
    written = invocation.target_path / PARTIAL_PARSE_FILE
    kept = Path(project.project_dir) / project.target_path / PARTIAL_PARSE_FILE
    if not written.exists():
        return
    handle, temporary = tempfile.mkstemp(dir=kept.parent, prefix=f".{PARTIAL_PARSE_FILE}.")
    with os.fdopen(handle, "wb") as copy:
        copy.write(written.read_bytes())
    os.replace(temporary, kept)
