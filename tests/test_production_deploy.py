"""The deployment files agree with each other and with the code.

Docker and Helm do not run on this machine, so these tests read the files: the Helm values make
the same instance choices as platform/dagster-production.yaml (which runs against PostgreSQL in
tests/test_production_instance.py), every variable anything reads is documented in .env.example,
and the image, compose and the local setup name the same uv, code location and instance config.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from graduated_platform import settings
from tests.conftest import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"


def read(path: str) -> str:
    return (REPO_ROOT / path).read_text()


def test_the_helm_values_make_the_production_instance_config_choices():
    instance = yaml.safe_load(read("platform/dagster-production.yaml"))
    helm = yaml.safe_load(read("deploy/helm/values.yaml"))
    daemon = helm["dagsterDaemon"]

    assert helm["concurrency"]["enabled"]
    assert (
        helm["concurrency"]["pools"]["defaultLimit"]
        == (instance["concurrency"]["pools"]["default_limit"])
    )
    assert (
        helm["concurrency"]["runs"]["maxConcurrentRuns"]
        == (instance["concurrency"]["runs"]["max_concurrent_runs"])
    )
    assert daemon["runCoordinator"] == {"enabled": True, "type": "QueuedRunCoordinator"}
    assert instance["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert daemon["runMonitoring"] == {
        "enabled": instance["run_monitoring"]["enabled"],
        "startTimeoutSeconds": instance["run_monitoring"]["start_timeout_seconds"],
        "pollIntervalSeconds": instance["run_monitoring"]["poll_interval_seconds"],
        "freeSlotsAfterRunEndSeconds": instance["run_monitoring"][
            "free_slots_after_run_end_seconds"
        ],
    }
    assert daemon["runRetries"] == {
        "enabled": instance["run_retries"]["enabled"],
        "maxRetries": instance["run_retries"]["max_retries"],
        "retryOnAssetOrOpFailure": instance["run_retries"]["retry_on_asset_or_op_failure"],
    }
    assert (
        helm["postgresql"]["postgresqlScheme"]
        == (instance["storage"]["postgres"]["postgres_db"]["scheme"])
    )
    # Locally the pool has one slot (DuckDB's single writer); production has more.
    local = yaml.safe_load(read("platform/dagster.yaml"))
    assert local["concurrency"]["pools"]["default_limit"] == 1
    assert instance["concurrency"]["pools"]["default_limit"] > 1


def variables_read_by_the_platform() -> dict[str, set[str]]:
    """Every environment variable a file reads, by the file that reads it."""
    patterns = {
        "platform/graduated_platform/settings.py": r"os\.environ\.get\(\"(\w+)\"",
        "dbt_project/profiles.yml": r"env_var\('(\w+)'",
        "deploy/docker-compose.yml": r"\$\{(\w+)",
    }
    found = {path: set(re.findall(pattern, read(path))) for path, pattern in patterns.items()}
    found["platform/graduated_platform/settings.py"] |= set(settings.REQUIRED_IN_PRODUCTION)
    instance = yaml.safe_load(read("platform/dagster-production.yaml"))
    found["platform/dagster-production.yaml"] = set(env_references(instance))
    return found


def env_references(config: object) -> list[str]:
    """The variables of Dagster's `{env: NAME}` config values, anywhere in `config`."""
    if isinstance(config, dict):
        if set(config) == {"env"}:
            return [config["env"]]
        return [name for value in config.values() for name in env_references(value)]
    return []


def test_every_variable_the_platform_reads_is_documented_in_env_example():
    documented = set(re.findall(r"^#? ?(\w+)=", read(".env.example"), flags=re.MULTILINE))
    read_by = variables_read_by_the_platform()
    # The local DuckDB path is set by settings.py itself, for dbt; nobody sets it by hand.
    read_by["dbt_project/profiles.yml"].discard("WAREHOUSE_PATH")
    undocumented = {
        path: names - documented for path, names in read_by.items() if names - documented
    }
    assert not undocumented, f"add these to .env.example: {undocumented}"
    assert set(settings.REQUIRED_IN_PRODUCTION) <= documented


def test_the_image_the_compose_file_and_the_local_setup_agree():
    dockerfile = read("Dockerfile")
    [makefile_uv] = re.findall(r"^UV_VERSION := (\S+)$", read("Makefile"), flags=re.MULTILINE)
    assert f"ARG UV_VERSION={makefile_uv}" in dockerfile
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "cp platform/dagster-production.yaml" in dockerfile
    assert "python -m graduated_platform.dbt_manifest" in dockerfile

    local = yaml.safe_load(read("workspace.yaml"))["load_from"][0]["python_module"]
    deployed = yaml.safe_load(read("deploy/workspace.yaml"))["load_from"][0]["grpc_server"]
    assert deployed["location_name"] == local["location_name"]
    assert f'"--module-name", "{local["module_name"]}"' in dockerfile
    helm = yaml.safe_load(read("deploy/helm/values.yaml"))
    [user_code] = helm["dagster-user-deployments"]["deployments"]
    assert user_code["codeServerArgs"] == ["--module-name", local["module_name"]]

    compose = yaml.safe_load(read("deploy/docker-compose.yml"))
    services = compose["services"]
    assert set(services) == {"postgres", "code-server", "webserver", "daemon"}
    assert deployed["host"] == "code-server" and '"--port", "4000"' in dockerfile
    for name in ("webserver", "daemon"):
        [workspace] = re.findall(r"--workspace (\S+)", " ".join(services[name]["command"]))
        assert Path(REPO_ROOT / workspace) == DEPLOY / "workspace.yaml"
    # The daemon sets the landing loads' and the marketing syncs' pools to 1 before it launches
    # a run.
    assert "concurrency set landing_zone_loads 1" in " ".join(services["daemon"]["command"])
    assert "concurrency set marketing_sync 1" in " ".join(services["daemon"]["command"])
    # Only the code location, and the runs it starts, get the platform's credentials.
    assert [name for name, service in services.items() if "env_file" in service] == ["code-server"]
