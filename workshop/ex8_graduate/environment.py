"""Where exercise 8's production setup lives on this machine, and the variables that reach it.

`make production-services` writes the variables into `<data>/production/env` while its servers
run; the checker and the solution read them from there, and a shell can too:
`set -a; . data/production/env; set +a`.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from workshop.exercises import NotDone


def production_root(data_dir: Path) -> Path:
    return data_dir / "production"


def read_env(data_dir: Path) -> dict[str, str]:
    """The variables of the running production setup; NotDone when it is not running."""
    path = production_root(data_dir) / "env"
    hint = (
        "the production services are not running: start `make production-services` in a second "
        "terminal and keep it open (its servers keep their state only while it runs)"
    )
    if not path.exists():
        raise NotDone(hint)
    env = {}
    for line in path.read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if name and not name.startswith("#"):
            env[name] = value.strip("'")
    for url in (f"tcp://{env.get('DAGSTER_POSTGRES_HOST')}:{env.get('DAGSTER_POSTGRES_PORT')}",
                env.get("S3_ENDPOINT_URL", "")):  # fmt: skip
        parsed = urlparse(url)
        try:
            with socket.create_connection((parsed.hostname or "", parsed.port or 0), timeout=2):
                pass
        except (OSError, ValueError):
            raise NotDone(hint) from None
    return env


def with_env(env: dict[str, str]) -> dict[str, str]:
    """This process's environment with the production setup's variables."""
    return {**os.environ, **env}
