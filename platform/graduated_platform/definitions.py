"""The code location: everything in `defs/`, loaded the way `dg` projects load it.

`workspace.yaml` and `dg` (platform/dg.toml) point Dagster at this module.

`dg.load_from_defs_folder()` builds the same tree of `defs/` modules and components, and then
imports every installed Dagster integration that registers components, to list their types
in the UI's component catalogue. Here that means dagster-snowflake and, through it, Snowflake's
libraries: 5 of the 13 s this module took to import, in local mode too. The tree's own
`build_defs` for the `defs/` folder loads the same definitions without that catalogue
(tests/test_dg_project.py compares the two).
"""

import warnings
from pathlib import Path

import dagster as dg

from graduated_platform import run_workers

# A run waiting for a pool slot sleeps, stops on Ctrl-C or SIGTERM, and frees the slot of a run
# whose process is gone (run_workers.py says why this patches Dagster).
run_workers.install()

DEFS_FOLDER = Path(__file__).parent / "defs"

with warnings.catch_warnings():
    # The tree loads plain modules through a function Dagster marks as preview; the notice is
    # about Dagster's internals, and load_from_defs_folder silences it the same way.
    warnings.simplefilter("ignore", category=dg.PreviewWarning)
    defs = dg.ComponentTree.for_project(path_within_project=DEFS_FOLDER).build_defs(DEFS_FOLDER)
