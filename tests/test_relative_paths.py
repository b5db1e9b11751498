"""Every place a user names a folder accepts a relative path, and every process reads it the same.

A relative `--data-dir`, `PLATFORM_DATA_DIR`, or a landing zone / catalogue given as a plain or
`file:` relative path is resolved once, against the working directory of the command that was
given it, and passed on absolute. These run the commands the Makefile and README run, in a
temporary working directory, as subprocesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from landing_zone.storage import FolderStorage, absolute_url, open_storage
from tests.conftest import REPO_ROOT


def run(module: str, *args: str, cwd: Path, **env: str) -> str:
    environment = {**os.environ, **env}
    for variable in ("PLATFORM_DATA_DIR", "LANDING_ZONE_URL", "PRODUCT_CATALOG_URL"):
        if variable not in env:
            environment.pop(variable, None)
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env={**environment, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_generate_and_deliver_take_a_relative_data_dir(tmp_path: Path):
    run("simulator.generate", "--start", "2018-09-01", "--end", "2018-09-01", "--data-dir", "data",
        cwd=tmp_path)  # fmt: skip
    assert (tmp_path / "data/landing/orders/2018-09-01.csv").stat().st_size > 0
    assert (tmp_path / "data/shop/shop.db").exists()

    out = run("simulator.deliver", cwd=tmp_path, PLATFORM_DATA_DIR="data")
    assert (tmp_path / "data/landing/items/2018-09-02.csv").exists(), out
    assert f"into {(tmp_path / 'data/landing').as_uri()}" in out


SETTINGS_PROBE = """
import json
from graduated_platform import settings
print(json.dumps({
    "data_dir": str(settings.DATA_DIR),
    "landing": settings.LANDING_ZONE_URL,
    "catalog": settings.PRODUCT_CATALOG_URL,
    "warehouse": str(settings.WAREHOUSE_PATH),
}))
"""


@pytest.mark.parametrize(
    ("landing", "catalog"),
    [("elsewhere/landing", "elsewhere/shop"), ("file:elsewhere/landing", "./elsewhere/shop")],
)
def test_settings_make_relative_locations_absolute(tmp_path: Path, landing: str, catalog: str):
    result = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE],
        cwd=tmp_path,
        env={
            **os.environ,
            "PLATFORM_DATA_DIR": "data",
            "LANDING_ZONE_URL": landing,
            "PRODUCT_CATALOG_URL": catalog,
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen == {
        "data_dir": str(tmp_path / "data"),
        "landing": (tmp_path / "elsewhere/landing").as_uri(),
        "catalog": (tmp_path / "elsewhere/shop").as_uri(),
        "warehouse": str(tmp_path / "data/warehouse.duckdb"),
    }


def test_folder_storage_writes_and_lists_through_a_relative_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    storage = FolderStorage(Path("landing"))
    storage.write("orders/2018-09-01.csv", b"id\n1\n")
    assert storage.url == (tmp_path / "landing").as_uri()
    assert [obj.key for obj in storage.list_after("orders/", None)] == ["orders/2018-09-01.csv"]


def test_absolute_url_leaves_buckets_and_absolute_folders_alone(tmp_path: Path):
    assert absolute_url("s3://bucket/prefix") == "s3://bucket/prefix"
    assert absolute_url(tmp_path.as_uri()) == tmp_path.as_uri()
    assert absolute_url(f"file://localhost{tmp_path}") == tmp_path.as_uri()
    with pytest.raises(ValueError, match="neither a folder"):
        open_storage("http://example.invalid/landing")
