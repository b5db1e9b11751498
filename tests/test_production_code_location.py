"""The code location in production: it loads offline with placeholder credentials, shows none of
them, and refuses to load, naming the variable, when one is missing.

The dbt manifest here is prepared exactly as the Dockerfile prepares it (deploy/build.env and
`python -m graduated_platform.dbt_manifest`), into a temporary folder, so `dbt parse` runs against
the Snowflake target of dbt_project/profiles.yml. Nothing connects to Snowflake, S3 or a shop
database: loading the definitions must not touch the network at all, and the probe below makes
any attempt fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.production_env import SECRETS, build_env, production_env

# Loads the code location as a code server does, with every network call refused, and prints
# what the UI would get: the code location's snapshot, as Dagster serializes it over gRPC.
PROBE = """
import json, socket

def refuse(*args, **kwargs):
    raise OSError("the code location used the network while loading")

socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse

from dagster._core.remote_representation.external_data import RepositorySnap
from dagster._serdes import serialize_value
from dagster import AssetKey
from graduated_platform.definitions import defs

graph = defs.resolve_asset_graph()
print(json.dumps({
    # The assets that write the warehouse; the shop database's observed tables write nothing.
    "kinds": {key.to_user_string(): sorted(graph.get(key).kinds)
              for key in graph.materializable_asset_keys},
    "warehouse": type(defs.resources["warehouse"]).__name__,
    "executor": defs.executor.name,
    "landing_pool": defs.resolve_assets_def(AssetKey(["raw", "orders"])).node_def.pool,
    "activation_pool": defs.resolve_assets_def(
        AssetKey(["activation", "marketing_contacts"])
    ).node_def.pool,
    "snapshot": serialize_value(RepositorySnap.from_def(defs.get_repository_def())),
}))
"""


def python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def production_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The manifest the Dockerfile builds (with its default database), in a temporary folder."""
    work = tmp_path_factory.mktemp("production_manifest")
    env = {
        **production_env(work / "data"),
        **build_env(),
        "SNOWFLAKE_DATABASE": "ANALYTICS",
        "DBT_TARGET_PATH": str(work / "target"),
    }
    for secret_name in ("SNOWFLAKE_PASSWORD", "SOURCES__SHOP_DB__CREDENTIALS"):
        assert env[secret_name] not in SECRETS  # the build's stand-ins, not the test's secrets
    built = subprocess.run(
        [sys.executable, "-m", "graduated_platform.dbt_manifest"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return work / "target"


@pytest.mark.slow
def test_dbt_parses_the_project_against_the_snowflake_target(production_manifest: Path):
    manifest = json.loads((production_manifest / "manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "snowflake"
    orders = manifest["nodes"]["model.jaffle_shop.orders"]
    # Snowflake addresses a table as database.schema.table; the schema is the model's folder.
    assert orders["relation_name"] == "ANALYTICS.marts.orders"
    assert orders["config"]["incremental_strategy"] == "replace_window"
    # The build's stand-in password is used by nothing and written nowhere.
    stand_in = build_env()["SNOWFLAKE_PASSWORD"]
    for path in production_manifest.rglob("*"):
        if path.is_file():
            assert stand_in.encode() not in path.read_bytes(), path


@pytest.mark.slow
def test_production_definitions_load_offline_and_show_no_secret(
    production_manifest: Path, tmp_path: Path
):
    env = production_env(tmp_path / "data", DBT_TARGET_PATH=str(production_manifest))
    loaded = python(PROBE, env)
    assert loaded.returncode == 0, loaded.stderr[-5000:]
    result = json.loads(loaded.stdout.strip().splitlines()[-1])

    assert result["warehouse"] == "SnowflakeWarehouse"
    assert result["executor"] == "multiprocess"
    # Landing loads share dlt's staging tables: their own pool, set to 1 at deploy time.
    assert result["landing_pool"] == "landing_zone_loads"
    # Syncs to the marketing system share dlt's working folder: their own pool, likewise.
    assert result["activation_pool"] == "marketing_sync"
    # dlt's destination and dbt's adapter both say Snowflake, for every asset that lands in the
    # warehouse; activation's dlt destination is the marketing system.
    kinds = result["kinds"]
    assert kinds.pop("activation/marketing_contacts") == ["api", "dlt"]
    assert {key: "snowflake" in kinds for key, kinds in kinds.items()} == {
        key: True for key in kinds
    }
    # The UI sees which variables hold the credentials, never their values.
    snapshot = result["snapshot"]
    for secret in SECRETS:
        assert secret not in snapshot, "a credential's value reaches the UI"
        assert secret not in loaded.stdout + loaded.stderr
    assert "SNOWFLAKE_PASSWORD" in snapshot


@pytest.mark.parametrize(
    "unset",
    [
        "SNOWFLAKE_PASSWORD",
        "LANDING_ZONE_URL",
        "SOURCES__SHOP_DB__CREDENTIALS",
        "MARKETING_API_TOKEN",
    ],
)
def test_a_missing_variable_stops_the_load_with_a_message_that_names_it(unset: str, tmp_path: Path):
    loaded = python(
        "import graduated_platform.definitions", production_env(tmp_path / "data", **{unset: None})
    )
    assert loaded.returncode != 0
    # The last line is the whole story: which variable, and where to look.
    last_line = loaded.stderr.strip().splitlines()[-1]
    assert last_line.startswith("graduated_platform.settings.SettingsError: "), loaded.stderr
    assert unset in last_line and ".env.example" in last_line


def test_production_reads_the_landing_zone_from_s3_only(tmp_path: Path):
    env = production_env(tmp_path / "data", LANDING_ZONE_URL=(tmp_path / "landing").as_uri())
    loaded = python("import graduated_platform.settings", env)
    last_line = loaded.stderr.strip().splitlines()[-1]
    assert "LANDING_ZONE_URL" in last_line and "s3://" in last_line, loaded.stderr


def test_an_unknown_environment_is_named(tmp_path: Path):
    loaded = python(
        "import graduated_platform.settings", production_env(tmp_path, PLATFORM_ENV="prod")
    )
    last_line = loaded.stderr.strip().splitlines()[-1]
    assert "PLATFORM_ENV is 'prod'" in last_line and "production" in last_line, loaded.stderr


def test_locally_nothing_is_required(tmp_path: Path):
    env = {
        name: value
        for name, value in production_env(tmp_path).items()
        if name not in {"PLATFORM_ENV", "LANDING_ZONE_URL", "SNOWFLAKE_PASSWORD"}
    }
    loaded = python(
        "from graduated_platform import settings; print(settings.WAREHOUSE, settings.DBT_TARGET)",
        env,
    )
    assert loaded.stdout.split() == ["duckdb", "local"], loaded.stderr
