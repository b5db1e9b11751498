"""The shop's marketing system (its CRM), played by a real HTTP service on loopback.

    python -m simulator.marketing_service --port 3001 --data-dir data    # `make marketing`
    python -m simulator.marketing_service fault --status 503 --count 3    # the next 3 answer 503
    python -m simulator.marketing_service fault --hang 60 --count 1       # the next one hangs 60 s

It behaves like a typical marketing API, so the platform's activation meets what it would meet
in production: a bearer token on every request, contacts upserted and deleted in batches of at
most 100 by their key, each with custom properties, a paginated listing to read back what it
holds, a rate limit that answers 429 with Retry-After, and a 400 with a JSON message naming what
is wrong with a malformed body. The contacts live in a SQLite file under
`<data-dir>/marketing/`, so they outlive a restart, as a real system's would.

Fault switches (`POST /admin/faults`, or the `fault` command) make the next requests answer an
error status, or hang before answering, to play an outage; `GET /admin/stats` counts what the
service received, so tests and benchmarks count requests at the server, not in the client.

The token comes from MARKETING_API_TOKEN (locally a fixed development value, LOCAL_TOKEN, which
the platform's settings default to as well). It is compared, never printed: the service logs
no headers, and no answer repeats it.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import math
import os
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# The local development token: not a secret, the value both sides use when MARKETING_API_TOKEN
# is unset (platform/graduated_platform/settings.py defaults to the same).
LOCAL_TOKEN = "local-marketing-token"
TOKEN_VARIABLE = "MARKETING_API_TOKEN"
DEFAULT_PORT = 3001
# Most marketing APIs cap a batch at 100 records (HubSpot's batch upsert does).
MAX_BATCH = 100
MAX_PAGE = 1000
# Property values a contact may carry: scalars, or a list of strings (multi-select).
SCALARS = (str, int, float, bool, type(None))


class BadRequest(Exception):
    """A request the service refuses with 400; the message says what is wrong."""


@dataclass
class Fault:
    """What the next `count` requests get: an error `status`, or a hang of `hang_seconds`
    before being served. `after` requests pass untouched first."""

    count: int
    status: int | None = None
    hang_seconds: float = 0.0
    retry_after: int | None = None
    message: str = "injected fault"
    after: int = 0


@dataclass
class ServiceState:
    rate_limit: int
    faults: list[Fault] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    responses: Counter[str] = field(default_factory=Counter)
    window_start: float = 0.0
    window_count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self) -> Fault | None:
        """The fault this request meets, if any; consumes it."""
        with self.lock:
            while self.faults:
                fault = self.faults[0]
                if fault.after > 0:
                    fault.after -= 1
                    return None
                if fault.count <= 0:
                    self.faults.pop(0)
                    continue
                fault.count -= 1
                return fault
            return None

    def rate_limited(self) -> float | None:
        """Seconds until the current one-second window ends, when it is full; else None."""
        if self.rate_limit <= 0:
            return None
        with self.lock:
            now = time.monotonic()
            if now - self.window_start >= 1.0:
                self.window_start, self.window_count = now, 0
            if self.window_count >= self.rate_limit:
                return 1.0 - (now - self.window_start)
            self.window_count += 1
            return None


class ContactStore:
    """Contacts by key, with their properties as JSON, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection, used from the event loop's thread only (every handler is async).
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("pragma journal_mode=wal")
        self.db.execute(
            "create table if not exists contacts ("
            " key text primary key, properties text not null,"
            " created_at text not null, updated_at text not null)"
        )
        self.db.commit()

    def upsert(self, contacts: list[dict[str, Any]]) -> dict[str, int]:
        """Set each contact's given properties (others it has are kept; null removes one)."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        counts = Counter({"created": 0, "updated": 0, "unchanged": 0})
        with self.db:
            for contact in contacts:
                row = self.db.execute(
                    "select properties from contacts where key = ?", (contact["key"],)
                ).fetchone()
                old = json.loads(row[0]) if row else {}
                new = {**old, **contact["properties"]}
                new = {name: value for name, value in new.items() if value is not None}
                if row is None:
                    counts["created"] += 1
                elif new == old:
                    counts["unchanged"] += 1
                    continue
                else:
                    counts["updated"] += 1
                self.db.execute(
                    "insert into contacts values (?, ?, ?, ?) on conflict (key) do update"
                    " set properties = excluded.properties, updated_at = excluded.updated_at",
                    (contact["key"], json.dumps(new, sort_keys=True), now, now),
                )
        return dict(counts)

    def delete(self, keys: list[str]) -> dict[str, int]:
        with self.db:
            deleted = sum(
                self.db.execute("delete from contacts where key = ?", (key,)).rowcount
                for key in keys
            )
        return {"deleted": deleted, "not_found": len(keys) - deleted}

    def page(self, after: str, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        rows = self.db.execute(
            "select key, properties, updated_at from contacts where key > ? order by key limit ?",
            (after, limit + 1),
        ).fetchall()
        contacts = [
            {"key": key, "properties": json.loads(props), "updated_at": updated}
            for key, props, updated in rows[:limit]
        ]
        return contacts, (contacts[-1]["key"] if len(rows) > limit else None)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not JSON ({exc}); send a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest(f"the body is a JSON {type(body).__name__}; send a JSON object")
    return body


def batch_of(body: dict[str, Any], name: str) -> list[Any]:
    items = body.get(name)
    if not isinstance(items, list) or not items:
        raise BadRequest(f"'{name}' must be a non-empty list")
    if len(items) > MAX_BATCH:
        raise BadRequest(f"'{name}' holds {len(items)} items; send at most {MAX_BATCH} a request")
    return items


def checked_key(key: Any, where: str) -> str:
    if not isinstance(key, str) or not key:
        raise BadRequest(f"{where}: 'key' must be a non-empty string, not {key!r}")
    return key


def checked_contacts(body: dict[str, Any]) -> list[dict[str, Any]]:
    contacts, seen = [], set()
    for index, contact in enumerate(batch_of(body, "contacts")):
        where = f"contacts[{index}]"
        if not isinstance(contact, dict):
            raise BadRequest(f"{where} must be an object with 'key' and 'properties'")
        key = checked_key(contact.get("key"), where)
        if key in seen:
            raise BadRequest(f"{where}: key {key!r} appears twice in one batch")
        seen.add(key)
        properties = contact.get("properties")
        if not isinstance(properties, dict):
            raise BadRequest(f"{where} ({key}): 'properties' must be an object")
        for name, value in properties.items():
            is_list = isinstance(value, list) and all(isinstance(v, str) for v in value)
            if not (isinstance(value, SCALARS) or is_list):
                raise BadRequest(
                    f"{where} ({key}): property {name!r} is a {type(value).__name__}; "
                    "values are strings, numbers, booleans, null or lists of strings"
                )
        contacts.append({"key": key, "properties": properties})
    return contacts


def create_app(data_dir: Path, token: str, rate_limit: int = 10) -> Starlette:
    """The service's ASGI app over the contacts stored under `data_dir/marketing/`."""
    store = ContactStore(data_dir / "marketing" / "contacts.db")
    state = ServiceState(rate_limit=rate_limit)
    expected = f"Bearer {token}".encode()

    def authorised(request: Request) -> bool:
        given = request.headers.get("authorization", "").encode()
        return hmac.compare_digest(given, expected)

    async def guarded(request: Request, kind: str, handler: Any, admin: bool = False) -> Response:
        state.requests[kind] += 1
        response = await answer(request, handler, admin)
        state.responses[str(response.status_code)] += 1
        return response

    async def answer(request: Request, handler: Any, admin: bool) -> Response:
        try:
            return await checked_answer(request, handler, admin)
        except BadRequest as exc:
            return error(400, str(exc))

    async def checked_answer(request: Request, handler: Any, admin: bool) -> Response:
        if not authorised(request):
            return error(401, "missing or invalid bearer token (Authorization: Bearer <token>)")
        if admin:
            return await handler(request)
        if (wait := state.rate_limited()) is not None:
            seconds = max(1, math.ceil(wait))
            return error(
                429,
                f"rate limit of {state.rate_limit} requests per second reached",
                {"Retry-After": str(seconds)},
            )
        fault = state.next_fault()
        if fault is not None and fault.hang_seconds:
            await asyncio.sleep(fault.hang_seconds)
        if fault is not None and fault.status is not None:
            headers = (
                {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            )
            return error(fault.status, fault.message, headers)
        return await handler(request)

    async def upsert(request: Request) -> Response:
        return JSONResponse(store.upsert(checked_contacts(await json_body(request))))

    async def delete(request: Request) -> Response:
        keys = [
            checked_key(key, f"keys[{index}]")
            for index, key in enumerate(batch_of(await json_body(request), "keys"))
        ]
        return JSONResponse(store.delete(keys))

    async def listing(request: Request) -> Response:
        try:
            limit = int(request.query_params.get("limit", "100"))
        except ValueError:
            raise BadRequest("'limit' must be a whole number") from None
        if not 1 <= limit <= MAX_PAGE:
            raise BadRequest(f"'limit' must be between 1 and {MAX_PAGE}")
        contacts, next_key = store.page(request.query_params.get("after", ""), limit)
        return JSONResponse({"contacts": contacts, "next": next_key})

    async def set_faults(request: Request) -> Response:
        body = await json_body(request)
        try:
            fault = Fault(
                count=int(body.get("count", 1)),
                status=int(body["status"]) if body.get("status") is not None else None,
                hang_seconds=float(body.get("hang_seconds", 0)),
                retry_after=int(body["retry_after"])
                if body.get("retry_after") is not None
                else None,
                message=str(body.get("message", "injected fault")),
                after=int(body.get("after", 0)),
            )
        except (TypeError, ValueError) as exc:
            return error(400, f"bad fault: {exc}")
        if fault.status is None and not fault.hang_seconds:
            return error(400, "a fault needs 'status' or 'hang_seconds'")
        with state.lock:
            state.faults.append(fault)
        return JSONResponse({"faults": len(state.faults)})

    async def clear_faults(request: Request) -> Response:
        with state.lock:
            state.faults.clear()
        return JSONResponse({"faults": 0})

    async def stats(request: Request) -> Response:
        return JSONResponse({"requests": dict(state.requests), "responses": dict(state.responses)})

    async def set_rate_limit(request: Request) -> Response:
        body = await json_body(request)
        state.rate_limit = int(body.get("requests_per_second", 0))
        return JSONResponse({"requests_per_second": state.rate_limit})

    def route(path: str, kind: str, handler: Any, method: str, admin: bool = False) -> Route:
        async def endpoint(request: Request) -> Response:
            return await guarded(request, kind, handler, admin)

        return Route(path, endpoint, methods=[method])

    return Starlette(
        routes=[
            route("/v1/contacts/batch/upsert", "upsert", upsert, "POST"),
            route("/v1/contacts/batch/delete", "delete", delete, "POST"),
            route("/v1/contacts", "list", listing, "GET"),
            route("/admin/faults", "admin", set_faults, "POST", admin=True),
            route("/admin/faults", "admin", clear_faults, "DELETE", admin=True),
            route("/admin/stats", "admin", stats, "GET", admin=True),
            route("/admin/rate-limit", "admin", set_rate_limit, "POST", admin=True),
        ]
    )


def serve(args: argparse.Namespace) -> None:
    token = os.environ.get(TOKEN_VARIABLE) or LOCAL_TOKEN
    app = create_app(Path(args.data_dir).resolve(), token, rate_limit=args.rate_limit)
    print(
        f"marketing service on http://{args.host}:{args.port} "
        f"(contacts in {Path(args.data_dir).resolve() / 'marketing'}, "
        f"rate limit {args.rate_limit or 'off'}/s)",
        flush=True,
    )
    # No access log: a line per request would bury `make up`'s output. uvicorn never logs
    # headers, so the token could not appear in it anyway.
    # A request hanging on an injected fault must not hold up a shutdown for long.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )


def send_fault(args: argparse.Namespace) -> None:
    """Switch a fault on in a running service, through its admin endpoint."""
    token = os.environ.get(TOKEN_VARIABLE) or LOCAL_TOKEN
    fault: dict[str, Any] = {"count": args.count, "after": args.after}
    if args.hang:
        fault["hang_seconds"] = args.hang
    else:
        fault.update(status=args.status, retry_after=args.retry_after)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    url = f"{args.url.rstrip('/')}/admin/faults"
    requests = []
    if args.replace:
        requests.append(urllib.request.Request(url, headers=headers, method="DELETE"))
    if args.count > 0:
        body = json.dumps(fault).encode()
        requests.append(urllib.request.Request(url, body, headers=headers, method="POST"))
    try:
        for request in requests:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
    except (urllib.error.URLError, OSError) as exc:
        sys.exit(f"could not reach the marketing service at {args.url} ({exc}): is it running?")
    what = f"hang {args.hang} s" if args.hang else f"answer {args.status}"
    if args.count > 0:
        print(f"the next {args.count} request(s) after {args.after} will {what}")
    else:
        print("no fault pending: the service answers as usual")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--data-dir", default=os.environ.get("PLATFORM_DATA_DIR") or "data")
    parser.add_argument(
        "--rate-limit", type=int, default=10, help="requests per second; 0 for no limit"
    )
    commands = parser.add_subparsers(dest="command")
    fault = commands.add_parser("fault", help="make the next requests fail or hang")
    # The service the platform sends to: MARKETING_API_URL, as in its settings, or `make up`'s.
    url = os.environ.get("MARKETING_API_URL") or f"http://127.0.0.1:{DEFAULT_PORT}"
    fault.add_argument("--url", default=url)
    fault.add_argument("--count", type=int, default=1)
    fault.add_argument("--after", type=int, default=0, help="let this many requests pass first")
    fault.add_argument("--status", type=int, default=503)
    fault.add_argument("--retry-after", type=int, default=1)
    fault.add_argument("--hang", type=float, default=0, help="hang this many seconds instead")
    fault.add_argument(
        "--replace", action="store_true", help="forget the faults still pending first"
    )
    args = parser.parse_args(argv)
    if args.command == "fault":
        send_fault(args)
    else:
        serve(args)


if __name__ == "__main__":
    main()
