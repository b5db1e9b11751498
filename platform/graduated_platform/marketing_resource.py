"""The shop's marketing system as a Dagster resource: where it is, and the token to reach it.

The token is given as `dg.EnvVar` (defs/resources.py), so the UI, the run's config and its
events name the variable, never the value; the client built here sends it only as a header.
"""

from dagster import ConfigurableResource

from activation.marketing_client import MarketingClient


class MarketingService(ConfigurableResource):
    url: str
    token: str
    timeout_seconds: float = 30.0

    def client(self) -> MarketingClient:
        return MarketingClient(self.url, self.token, self.timeout_seconds)
