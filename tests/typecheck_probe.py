"""Type-checked by tests/test_layout.py: both `platform`s must resolve to the right module."""

import platform

from graduated_platform import settings

python_version: str = platform.python_version()
warehouse_pool: str = settings.WAREHOUSE_POOL
