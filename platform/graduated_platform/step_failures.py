"""What a load step's failure tells Dagster: retry me (transient), or stop now (deterministic).

A step with a retry policy is retried whatever it raised, unless it raises `dagster.Failure`
with `allow_retries=False`, which Dagster fails at once. So a load wraps its work in
`fail_fast_unless_transient`: a failure `ingestion.transient` calls transient goes on to the
policy; anything else (a landing file that is not CSV text, a broken schema contract, a bucket
that does not exist) becomes a `Failure` that is not retried, with the explained message, which
the run, the UI and the alert then show instead of dlt's "Pipeline execution failed at stage
extract ...".

One more case needs it: Dagster turns an interrupt (Ctrl-C, `kill`, the UI's terminate) inside a
step that has a retry policy into a retry, and the in-process executor (locally) then runs the
step again as if nothing had been asked. A step with a policy therefore turns an interrupt into
a `Failure` too: a stopped run stays stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import DagsterExecutionInterruptedError, Failure, RetryRequested

from ingestion.transient import explanation, is_transient


@contextmanager
def fail_fast_unless_transient(retried: bool) -> Iterator[None]:
    """Let transient failures reach the step's retry policy (`retried`: it has one); fail at once
    on anything else."""
    try:
        yield
    except (Failure, RetryRequested):
        raise  # already says what to do (warehouse.py asks for a retry when DuckDB is locked)
    except (KeyboardInterrupt, DagsterExecutionInterruptedError) as interrupt:
        if not retried:
            raise
        raise Failure(
            "The step was interrupted (Ctrl-C, kill or terminate), so it is not retried.",
            allow_retries=False,
        ) from interrupt
    except Exception as error:
        if is_transient(error):
            raise
        raise Failure(explanation(error), allow_retries=False) from error
