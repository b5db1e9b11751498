"""The graduated data platform's Dagster code location.

Imported as `graduated_platform`, never as `platform`: the folder `platform/` is a source root
that holds this package, so the standard library's `platform` module is never shadowed.
"""
