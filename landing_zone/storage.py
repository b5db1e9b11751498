"""Where the landing zone lives: a local folder or an S3 bucket, behind one small interface.

The sensor asks storage one question: which files sit under a prefix, sorted by key, after a
given key, each with a version that changes when its content is replaced. S3 answers that
natively (`ListObjectsV2` with `StartAfter`, ETags), so a tick reads only the keys it needs
however many years of files the bucket holds. A local folder answers it by scanning, which is
cheap at the sizes a laptop holds. The shop's simulator writes through the same interface, so
`make deliver` drops files wherever the platform is watching.

`LANDING_ZONE_URL` picks the backend: `file:///...` for a folder, `s3://bucket/prefix` for S3,
with `S3_ENDPOINT_URL` for S3-compatible stores (MinIO, LocalStack). Credentials come from
boto3's own chain (environment, profile, instance role), never from this code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol
from urllib.parse import unquote, urlparse


@dataclass(frozen=True)
class LandingObject:
    """A file in the landing zone: its key below the root, its version and its size in bytes."""

    key: str  # "orders/2018-09-01.csv", '/'-separated on every backend
    version: str  # the ETag on S3; modification time and size in a folder
    size: int


class LandingZoneUnavailable(RuntimeError):
    """The landing zone cannot be listed or written: missing, unreachable or refused."""


class LandingZoneStorage(Protocol):
    url: str
    list_calls: int  # list requests made so far: S3 pages, or folder scans

    def list_after(self, prefix: str, start_after: str | None) -> Iterator[LandingObject]:
        """Files whose key starts with `prefix` and sorts after `start_after`, in key order."""
        ...

    def write(self, key: str, data: bytes) -> None:
        """Deliver a file whole: a reader never sees it half-written."""
        ...


class FolderStorage:
    """A landing zone in a local folder (the default, offline)."""

    def __init__(self, root: Path) -> None:
        # Absolute from here on: a relative folder would mean another place in each process
        # whose working directory differs, and has no `file://` URL.
        self.root = root.expanduser().resolve()
        self.url = self.root.as_uri()
        self.list_calls = 0

    def list_after(self, prefix: str, start_after: str | None) -> Iterator[LandingObject]:
        if not self.root.is_dir():
            raise LandingZoneUnavailable(
                f"the landing zone folder {self.root} does not exist. Run `make data` to create "
                "the demo's files, or point LANDING_ZONE_URL at the folder or bucket to watch."
            )
        self.list_calls += 1
        found: list[LandingObject] = []
        for folder, _, names in os.walk(self.root / prefix):
            for name in names:
                path = Path(folder, name)
                key = path.relative_to(self.root).as_posix()
                if start_after is not None and key <= start_after:
                    continue
                try:
                    stat = path.stat()
                except FileNotFoundError:  # renamed between the scan and now: seen next tick
                    continue
                found.append(LandingObject(key, f"{stat.st_mtime_ns}-{stat.st_size}", stat.st_size))
        yield from sorted(found, key=lambda obj: obj.key)

    def write(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write under a temporary name and rename: the name the sensor skips, then the real one.
        partial = path.with_name(path.name + ".tmp")
        partial.write_bytes(data)
        partial.replace(path)


class S3Storage:
    """A landing zone in an S3 bucket, on AWS or any S3-compatible endpoint."""

    # A tick must fail in seconds, well inside Dagster's 60 s sensor limit, when the endpoint is
    # down: short timeouts, a few retries.
    CLIENT_CONFIG: ClassVar[dict[str, Any]] = {
        "connect_timeout": 5,
        "read_timeout": 20,
        "retries": {"max_attempts": 3, "mode": "standard"},
    }

    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.url = f"s3://{bucket}/{self.prefix}"
        self.list_calls = 0
        # Imported here: boto3 takes 0.3 s to import, which every process that loads the
        # platform's definitions would pay for a landing zone that is a folder.
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        self.client_errors = (BotoCoreError, ClientError)
        # A session per storage: boto3's default session is not safe to share across threads.
        self.client: Any = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, config=Config(**self.CLIENT_CONFIG)
        )

    def list_after(self, prefix: str, start_after: str | None) -> Iterator[LandingObject]:
        arguments = {"Bucket": self.bucket, "Prefix": self.prefix + prefix}
        if start_after is not None:
            arguments["StartAfter"] = self.prefix + start_after
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(**arguments):
                self.list_calls += 1
                for item in page.get("Contents", []):
                    yield LandingObject(
                        key=item["Key"][len(self.prefix) :],
                        version=item["ETag"].strip('"'),
                        size=item["Size"],
                    )
        except self.client_errors as error:
            raise self.unavailable("list", error) from error

    def write(self, key: str, data: bytes) -> None:
        # An S3 PUT is atomic: the object appears whole, or not at all.
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)
        except self.client_errors as error:
            raise self.unavailable("write to", error) from error

    def unavailable(self, action: str, error: Exception) -> LandingZoneUnavailable:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return LandingZoneUnavailable(
            f"cannot {action} the landing zone {self.url}{where}: {error}. Check that the bucket "
            "exists, the endpoint is reachable (S3_ENDPOINT_URL) and the AWS credentials in the "
            "environment may read it."
        )


def absolute_url(location: str) -> str:
    """A landing zone or catalogue location as a URL that means the same in every process.

    Accepts `s3://bucket/prefix`, `file:///absolute/path`, or a folder path, absolute or relative
    to the working directory (`data/landing`, `file:data/landing`); a folder becomes an absolute
    `file://` URL, so a process started elsewhere still finds it.
    """
    parsed = urlparse(location)
    if parsed.scheme == "file":
        # `file://data/landing` reads as host "data": take it as the relative path it meant.
        host = "" if parsed.netloc in ("", "localhost") else parsed.netloc
        return FolderStorage(Path(unquote(host + parsed.path))).url
    if parsed.scheme == "" or len(parsed.scheme) == 1:  # a path (or a Windows drive letter)
        return FolderStorage(Path(location)).url
    return location


def open_storage(url: str, endpoint_url: str | None = None) -> LandingZoneStorage:
    """The storage behind a landing-zone URL: `file:///path` or `s3://bucket/prefix`."""
    parsed = urlparse(absolute_url(url))
    if parsed.scheme == "file":
        return FolderStorage(Path(unquote(parsed.path)))
    if parsed.scheme == "s3" and parsed.netloc:
        return S3Storage(parsed.netloc, parsed.path, endpoint_url)
    raise ValueError(
        f"LANDING_ZONE_URL={url!r} is neither a folder (file:///path/to/landing) nor a bucket "
        "(s3://bucket/prefix); set it to one of those."
    )
