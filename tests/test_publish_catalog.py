"""The catalogue publisher's own mistakes, worded, with nothing written: no webserver at the URL,
a product the catalogue does not have. (Its exchanges with a real webserver, good and bad, are in
tests/test_event_driven.py.)"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.generate import write_product_catalog
from simulator.publish_catalog import PublishError, change_price
from tests.conftest import REPO_ROOT


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends


def test_no_webserver_is_named_and_nothing_is_published(tmp_path: Path):
    catalogue = tmp_path / "shop" / "product_catalog.json"
    write_product_catalog(catalogue)
    published = catalogue.read_bytes()
    result = subprocess.run(
        [
            sys.executable, "-m", "simulator.publish_catalog",
            "--webserver", f"http://127.0.0.1:{closed_port()}",
        ],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "PLATFORM_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 1
    assert "cannot be reached" in result.stderr and "make up" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert catalogue.read_bytes() == published


def test_an_unknown_product_is_named_with_the_ones_there_are(tmp_path: Path):
    catalogue = tmp_path / "product_catalog.json"
    write_product_catalog(catalogue)
    published = catalogue.read_bytes()
    with pytest.raises(PublishError, match=r"no product JAF-999 .* JAF-001"):
        change_price(catalogue, "JAF-999", 100)
    assert catalogue.read_bytes() == published


def test_a_price_change_changes_that_price_only(tmp_path: Path):
    catalogue = tmp_path / "product_catalog.json"
    write_product_catalog(catalogue)
    before = catalogue.read_text()
    change, _ = change_price(catalogue, "BEV-002", None)
    assert (change.sku, change.new_cents - change.old_cents) == ("BEV-002", 50)
    after = catalogue.read_text()
    assert after.replace(f'"price": {change.new_cents}', f'"price": {change.old_cents}') == before
