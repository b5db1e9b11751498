"""The code location's Dagster definitions, one module per tool's wiring.

`definitions.py` loads every module here with `load_from_defs_folder`; each module ends with the
`Definitions` it contributes. `dg scaffold defs ...` adds new ones here.
"""
