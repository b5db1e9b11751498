"""The landing zone as a Dagster resource: what the sensor watches, as tests configure it too."""

from dagster import ConfigurableResource

from landing_zone.storage import LandingZoneStorage, open_storage


class LandingZone(ConfigurableResource):
    """The folder or bucket the shop delivers to, as the sensor and tests configure it."""

    url: str
    s3_endpoint_url: str | None = None

    def open(self) -> LandingZoneStorage:
        return open_storage(self.url, self.s3_endpoint_url)
