"""The shop's S3 bucket, played by a real S3-protocol server on loopback (tests, the sensor bench).

moto's server (the same app `moto_server` and `ThreadedMotoServer` run) behind a thin WSGI
layer that counts the requests it receives. The sensor's list calls are then counted at the
server, by what arrived over HTTP, not by the code under test counting itself. The server can be
stopped and started again on the same port with its buckets intact, to play an outage, or made
to answer every request with 503 "SlowDown" while `unavailable` is set, as S3 does when it is
overloaded (the retry tests).
"""

from __future__ import annotations

import os
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.models import s3_backends
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

# Any credentials do for moto; set them so boto3 and dlt never look for real ones.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


# S3's own answer when it sheds load: a transient error that clients are meant to retry.
SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # a line per request would bury the test output


class LoopbackS3:
    """moto's S3 on 127.0.0.1, counting `ListObjectsV2` requests as they arrive."""

    def __init__(self) -> None:
        os.environ.update(FAKE_AWS)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.requests: Counter[str] = Counter()
        self._app = DomainDispatcherApplication(create_backend_app)
        self._server: BaseWSGIServer | None = None
        # While set, every request is answered 503 SlowDown (and counted as "unavailable").
        self.unavailable = False
        self._thread: threading.Thread | None = None

    def _count(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if self.unavailable:
            self.requests["unavailable"] += 1
            start_response("503 Slow Down", [("Content-Type", "application/xml")])
            return [SLOW_DOWN]
        if environ["REQUEST_METHOD"] == "GET" and "list-type=2" in environ.get("QUERY_STRING", ""):
            self.requests["ListObjectsV2"] += 1
        else:
            self.requests[environ["REQUEST_METHOD"]] += 1
        return self._app(environ, start_response)

    @property
    def list_calls(self) -> int:
        return self.requests["ListObjectsV2"]

    def start(self) -> None:
        self._server = make_server(
            "127.0.0.1", self.port, self._count, threaded=True, request_handler=QuietHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def seed(self, bucket: str, keys: Iterable[str], body: bytes) -> None:
        """Store a backlog straight in the server's memory: 100,000 PUTs over HTTP take ~12
        minutes, and a backlog is what a tick must *not* read. What it does read, the test
        delivers over HTTP."""
        backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        for key in keys:
            backend.put_object(bucket, key, body)

    def client(self) -> Any:
        return boto3.session.Session().client("s3", endpoint_url=self.endpoint_url)


@contextmanager
def loopback_s3() -> Iterator[LoopbackS3]:
    server = LoopbackS3()
    server.start()
    try:
        yield server
    finally:
        server.stop()
