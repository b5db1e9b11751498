"""The marketing system's HTTP API, as the platform uses it: batched upserts and deletes of
contacts by key, and a paginated listing.

Failures come out as two kinds, because they call for opposite handling:
`TransientServiceError` (5xx, timeouts, a refused connection: try again later, after the
Retry-After the service gave, if any) and `RejectedRequest` (any other 4xx: the request itself is
wrong, so sending it again cannot help; the message is the service's own). A 429 is flow control,
not a failure: urllib3's `Retry` waits what Retry-After says and sends the request again, within
the same call, and the waits are counted.

The token is held by the session and sent only as the Authorization header: no message, repr or
log line this module writes contains it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

logger = logging.getLogger(__name__)

# What the service takes in one request (simulator/marketing_service.py; HubSpot's is the same).
MAX_BATCH = 100
# 429s waited out per request before the call gives up as transient: a rate limit of a few
# requests per second clears in one wait; this many means something else is wrong.
RATE_LIMIT_WAITS = 10
# The longest Retry-After a 429 may ask for before the call gives up (urllib3 would sleep it).
LONGEST_RATE_LIMIT_WAIT = 60


class RateLimitWaits(Retry):
    """urllib3's retry, for 429 alone: by default it also re-sends on a 503 or 413 that carries
    Retry-After, and a 503 is a failure the caller must see (and retry at its own level)."""

    RETRY_AFTER_STATUS_CODES = frozenset({429})


class ServiceError(RuntimeError):
    """A request the marketing service did not accept; the message is safe to show."""


class TransientServiceError(ServiceError):
    """Worth retrying later: a 5xx, a timeout, no connection. `retry_after` is the service's
    Retry-After in seconds, when it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RejectedRequest(ServiceError):
    """A 4xx other than 429: the request is wrong and would be refused again."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare for APIs; fall back to the caller's backoff


def service_message(response: requests.Response) -> str:
    """The service's own explanation: its JSON `error`, else the start of the body."""
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("error"):
            return str(body["error"])
    except ValueError:
        pass
    return response.text[:300] or response.reason


class MarketingClient:
    """One session to the marketing API at `url`, authorised by `token`."""

    def __init__(self, url: str, token: str, timeout_seconds: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self.requests_sent = 0
        self.rate_limit_waits = 0
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"
        waits = RateLimitWaits(
            total=RATE_LIMIT_WAITS,
            # Other failures are raised as they are (False, not 0: urllib3 would wrap a read
            # timeout as a connection error), for the caller to retry at its own level.
            connect=False,
            read=False,
            other=False,
            status=RATE_LIMIT_WAITS,
            status_forcelist={429},
            allowed_methods=None,  # every method: the API's writes are idempotent upserts
            respect_retry_after_header=True,
            backoff_factor=0.5,
            backoff_jitter=0.5,
            backoff_max=LONGEST_RATE_LIMIT_WAIT,
            raise_on_status=False,
        )
        self._session.mount(self.url, HTTPAdapter(max_retries=waits))

    def __repr__(self) -> str:
        return f"MarketingClient({self.url!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> MarketingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        where = f"{method} {self.url}{path}"
        self.requests_sent += 1
        try:
            response = self._session.request(
                method, self.url + path, timeout=self.timeout_seconds, **kwargs
            )
        except requests.Timeout:
            raise TransientServiceError(
                f"{where}: no answer within {self.timeout_seconds:g} s"
            ) from None
        except requests.ConnectionError as exc:
            raise TransientServiceError(
                f"{where}: cannot connect ({type(exc).__name__}); is the service up?"
            ) from None
        retries = response.raw.retries if response.raw is not None else None
        waits = len(retries.history) if retries is not None else 0
        if waits:
            self.rate_limit_waits += waits
            self.requests_sent += waits
            logger.info("%s: waited out %d rate limit answer(s) (429)", where, waits)
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientServiceError(
                f"{where} answered {response.status_code}: {service_message(response)}",
                retry_after_seconds(response),
            )
        if response.status_code >= 400:
            raise RejectedRequest(
                f"{where} answered {response.status_code}: {service_message(response)}",
                response.status_code,
            )
        return response.json()

    def upsert(self, contacts: list[dict[str, Any]]) -> dict[str, int]:
        """Create or update up to MAX_BATCH contacts, each `{"key": ..., "properties": {...}}`."""
        if len(contacts) > MAX_BATCH:
            raise ValueError(f"{len(contacts)} contacts in one batch; the API takes {MAX_BATCH}")
        return self._call("POST", "/v1/contacts/batch/upsert", json={"contacts": contacts})

    def delete(self, keys: list[str]) -> dict[str, int]:
        """Delete up to MAX_BATCH contacts by key; a key the service does not hold is no error."""
        if len(keys) > MAX_BATCH:
            raise ValueError(f"{len(keys)} keys in one batch; the API takes {MAX_BATCH}")
        return self._call("POST", "/v1/contacts/batch/delete", json={"keys": keys})

    def contacts(self, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every contact the service holds, page by page, in key order."""
        after = ""
        while True:
            page = self._call("GET", "/v1/contacts", params={"limit": page_size, "after": after})
            yield from page["contacts"]
            if not page["next"]:
                return
            after = page["next"]
