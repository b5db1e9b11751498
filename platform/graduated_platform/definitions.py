"""The code location: everything in `defs/`, loaded the way `dg` projects load it.

`workspace.yaml` and `dg` (platform/dg.toml) point Dagster at this module.
"""

from pathlib import Path

import dagster as dg

from graduated_platform import run_workers

# A run waiting for a pool slot sleeps, stops on Ctrl-C or SIGTERM, and frees the slot of a run
# whose process is gone (run_workers.py says why this patches Dagster).
run_workers.install()

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
