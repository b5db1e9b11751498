"""The production setup's services on this machine, until Ctrl-C (`make production-services`).

    make production-services            # servers, then the production UI at :3002
    make production-services NO_UI=1    # servers only (the walk-through test, a CLI session)

What production runs on shared infrastructure, played on loopback by the parts the test suite
uses: a real PostgreSQL server for the Dagster instance (platform/dagster-production.yaml, the
production instance config, unchanged) and an S3-protocol server holding the shop's bucket, into
which this copies the landing zone and the product catalogue. The code location runs its local
warehouse, DuckDB, in a data folder of its own: Snowflake cannot run on this machine (the tests
emulate it; docs/production.md), so PLATFORM_ENV stays unset. The shop's database stays a file
for the same reason: only PLATFORM_ENV=production reads it from a server.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from simulator.s3_server import FAKE_AWS, loopback_s3
from tests.postgres_server import postgres_server
from workshop.ex8_graduate.environment import production_root
from workshop.platform_state import REPO_ROOT, PlatformState

BUCKET = "jaffle-shop-landing"
UI_PORT = 3002  # 3000 is make up's UI, 3001 its marketing service


def copy_into_bucket(client: Any, data_dir: Path) -> int:
    """The landing zone under landing/, the catalogue under catalog/; returns the objects put."""
    put = 0
    for path in sorted((data_dir / "landing").rglob("*.csv")):
        key = "landing/" + path.relative_to(data_dir / "landing").as_posix()
        client.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())
        put += 1
    catalog = data_dir / "shop" / "product_catalog.json"
    client.put_object(Bucket=BUCKET, Key="catalog/product_catalog.json", Body=catalog.read_bytes())
    return put + 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-ui", action="store_true", help="start the servers only")
    args = parser.parse_args(argv)

    data_dir = PlatformState().data_dir
    if not (data_dir / "shop" / "product_catalog.json").exists():
        raise SystemExit(f"{data_dir} holds no shop data yet: run `make up` (or `make data`) first")
    root = production_root(data_dir)
    # A new server has an empty instance: what an earlier session left would not match it.
    shutil.rmtree(root, ignore_errors=True)
    home, platform_data = root / "dagster_home", root / "data"
    home.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "platform" / "dagster-production.yaml", home / "dagster.yaml")
    (platform_data / "shop").mkdir(parents=True)
    shutil.copy(data_dir / "shop" / "shop.db", platform_data / "shop" / "shop.db")

    # Handlers, not the default: a shell starts a background job with SIGINT ignored, and an
    # ignored signal would leave the servers running.
    stop: list[int] = []
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda received, _: stop.append(received))
    print("starting PostgreSQL and the S3-protocol server on loopback...", flush=True)
    with loopback_s3() as s3, postgres_server() as postgres:
        client = s3.client()
        client.create_bucket(Bucket=BUCKET)
        objects = copy_into_bucket(client, data_dir)
        env = {
            "DAGSTER_HOME": str(home),
            **postgres.dagster_env,
            "PLATFORM_DATA_DIR": str(platform_data),
            "LANDING_ZONE_URL": f"s3://{BUCKET}/landing",
            "PRODUCT_CATALOG_URL": f"s3://{BUCKET}/catalog",
            "S3_ENDPOINT_URL": s3.endpoint_url,
            **FAKE_AWS,
        }
        lines = [f"export {name}={shlex.quote(value)}" for name, value in env.items()]
        (root / "env").write_text("\n".join(lines) + "\n")
        print(
            f"PostgreSQL on {postgres.host}:{postgres.port} holds the Dagster instance "
            f"({home / 'dagster.yaml'}, a copy of platform/dagster-production.yaml);\n"
            f"s3://{BUCKET} on {s3.endpoint_url} holds the landing zone and the catalogue "
            f"({objects} objects);\nthe warehouse is {platform_data / 'warehouse.duckdb'}.\n"
            f"Their variables are in {root / 'env'}: `set -a; . {root / 'env'}; set +a` in a "
            "shell uses them.",
            flush=True,
        )
        ui = None
        if not args.no_ui:
            ui = subprocess.Popen(
                [str(Path(sys.executable).with_name("dg")), "dev", "--host", "127.0.0.1",
                 "--port", str(UI_PORT)],
                cwd=REPO_ROOT, env={**os.environ, **env}, start_new_session=True,
            )  # fmt: skip
            print(f"The production UI starts at http://127.0.0.1:{UI_PORT}.", flush=True)
        print("Press Ctrl-C to stop everything.", flush=True)
        try:
            while not stop and (ui is None or ui.poll() is None):
                time.sleep(0.5)
        finally:
            (root / "env").unlink(missing_ok=True)
            if ui is not None and ui.poll() is None:
                os.killpg(ui.pid, signal.SIGINT)
                try:
                    ui.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(ui.pid, signal.SIGKILL)
            print("stopping the servers: the production instance's runs go with them", flush=True)


if __name__ == "__main__":
    main()
