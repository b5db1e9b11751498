"""The dbt project's handle, and the setup step that prepares its manifest.

Loading the code location reads `dbt_project/target/manifest.json` and never runs dbt: parsing
a dbt project at every load costs seconds here and minutes on a large project. The manifest is
prepared once, at setup or image build time:

    python -m graduated_platform.dbt_manifest      # what `make dbt-manifest` and the Dockerfile run

It is prepared for the dbt target of the environment (settings.DBT_TARGET): table names and
the adapter in the manifest differ between DuckDB and Snowflake.
"""

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from graduated_platform import settings
from graduated_platform.dbt_resource import DbtCli

DBT_PROJECT = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    target_path=settings.DBT_TARGET_PATH,
    target=settings.DBT_TARGET,
)

# The dbt installed beside this interpreter, so that runs find it whether or not the virtual
# environment's bin/ is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def dbt_cli(project: DbtProject = DBT_PROJECT) -> DbtCliResource:
    # DbtCliResource's own __init__ takes the DbtProject; mypy types a subclass's from its fields.
    return DbtCli(project_dir=project, dbt_executable=DBT_EXECUTABLE)  # type: ignore[arg-type]


class MissingManifestError(FileNotFoundError):
    """The code location cannot load: the dbt manifest has not been prepared."""


def require_manifest(project: DbtProject = DBT_PROJECT) -> None:
    if not project.manifest_path.exists():
        raise MissingManifestError(
            f"The dbt manifest {project.manifest_path} does not exist. Prepare it with "
            "`make dbt-manifest` (`make up` does it too), then reload the code location."
        )


def prepare_manifest(project: DbtProject = DBT_PROJECT) -> None:
    """Run `dbt parse`, which writes the manifest and dbt's partial-parse cache."""
    dbt_cli(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()
    require_manifest(project)


if __name__ == "__main__":
    prepare_manifest()
    print(f"dbt manifest ready: {DBT_PROJECT.manifest_path}")
