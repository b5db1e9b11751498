"""Alerts to Slack: dagster-slack's resource, posting each alert to one channel.

Its own module so that only a setup that chooses Slack (`ALERT_CHANNEL=slack`) imports slack_sdk
when the code location loads; defs/alerts.py picks the channel.
"""

from __future__ import annotations

from dagster_slack import SlackResource
from slack_sdk.web.client import WebClient

from graduated_platform.alert_message import Alert


class SlackAlerts(SlackResource):
    """dagster-slack's resource, posting each alert to one channel. The token stays an `EnvVar`
    (the UI shows the variable's name); `api_url` is slack_sdk's `base_url`, which dagster-slack
    does not expose: the default is Slack's, the tests point it at a Slack on loopback."""

    channel: str
    api_url: str = "https://slack.com/api/"

    def get_client(self) -> WebClient:
        return WebClient(token=self.token, base_url=self.api_url)

    def send(self, alert: Alert) -> None:
        # chat.postMessage; slack_sdk raises SlackApiError on {"ok": false}, which fails the
        # tick without moving the cursor, so the next tick sends it again.
        self.get_client().chat_postMessage(channel=self.channel, text=alert.text())
