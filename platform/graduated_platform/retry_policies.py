"""How each asset group retries a failed step, declared once (README, "Retry policies").

ACTIVATION: the marketing system answers 429, 5xx or not at all for reasons that pass, and says
how long to wait (Retry-After). The sync asks Dagster for a retry after exactly that wait
(`dg.RetryRequested`), so each retry shows in the run as the step going up for retry, with the
service's answer; without a Retry-After the policy's exponential backoff with jitter decides. A
4xx is the request's own fault and would be refused again: the step fails at once with the
service's message (`dg.Failure(allow_retries=False)`). A retry resumes the batches the attempt
before did not send (activation/sync.py), so retrying costs no resend.
"""

from dagster import Backoff, Jitter, RetryPolicy

ACTIVATION = RetryPolicy(
    max_retries=5, delay=2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
)
# The longest Retry-After the activation waits for within a run; asked to wait longer, the run
# fails and the next one sends what is left.
ACTIVATION_LONGEST_RETRY_AFTER_SECONDS = 300
