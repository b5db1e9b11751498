"""Which load failures may pass if the load is simply tried again, and how to word a failure.

A load that fails because the network or the far side had a bad moment (a dropped connection,
a timeout, an S3 503 or "SlowDown", a database that refused a connection) may pass a minute
later: that is *transient*. A load that fails on what it read (a file that is not CSV text, a
schema contract broken, a bucket that does not exist, credentials refused) fails the same way
every time until someone changes something: retrying it only delays the alert. The code location
retries the first kind and fails fast on the second (graduated_platform/step_failures.py).

The question is asked of the whole chain of a failure: dlt wraps what a source raised in its
own errors (`PipelineStepFailed.exception`, `__cause__`), and s3fs turns botocore's errors into
`OSError`s raised from them. Plain functions over exceptions, no Dagster: tests call them
directly.
"""

from __future__ import annotations

from collections.abc import Iterator

from dlt.pipeline.exceptions import PipelineStepFailed

# S3's error codes for "slow down" and "try again"; the HTTP status says 5xx for the rest.
TRANSIENT_S3_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "ServiceUnavailable",
        "InternalError",
    }
)

# Where the project's own explained errors live (LandingFileError, SchemaContractViolation):
# their message names the file or column and what to do, so it is the one to show.
OWN_PACKAGES = ("ingestion.", "landing_zone.")


def causes(error: BaseException) -> Iterator[BaseException]:
    """`error` and everything behind it, outermost first, however dlt or s3fs wrapped it."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        wrapped = current.exception if isinstance(current, PipelineStepFailed) else None
        current = wrapped or current.__cause__ or current.__context__


def is_transient(error: BaseException) -> bool:
    """Whether anything in the failure's chain is a failure of the network or the far side."""
    return any(_transient(cause) for cause in causes(error))


def _transient(error: BaseException) -> bool:
    # Imported here: only a failed load pays for them, never loading the definitions.
    import botocore.exceptions
    import sqlalchemy.exc
    from dlt.common.destination.exceptions import DestinationTransientException

    if isinstance(error, ConnectionError | TimeoutError | DestinationTransientException):
        return True
    if isinstance(error, botocore.exceptions.ConnectionError | botocore.exceptions.HTTPClientError):
        return True
    if isinstance(error, botocore.exceptions.ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        code = error.response.get("Error", {}).get("Code", "")
        return status >= 500 or code in TRANSIENT_S3_CODES
    # A database that dropped or refused the connection, or a pool that timed out; a query the
    # database rejects (ProgrammingError, IntegrityError) is the source's fault and stays.
    return isinstance(
        error,
        sqlalchemy.exc.OperationalError
        | sqlalchemy.exc.DisconnectionError
        | sqlalchemy.exc.TimeoutError,
    )


def explanation(error: BaseException) -> str:
    """The message that says best what went wrong: the project's own explained error if the chain
    holds one, otherwise the innermost error (what dlt's wrappers were wrapping)."""
    chain = list(causes(error))
    for cause in chain:
        if type(cause).__module__.startswith(OWN_PACKAGES):
            return str(cause)
    innermost = chain[-1]
    return f"{type(innermost).__name__}: {innermost}"
