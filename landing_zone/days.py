"""A window of days: what one partition, or a range of them, covers."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DayWindow:
    """Days from `start` up to, not including, `end`."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]

    def sql_condition(self, column: str) -> str:
        """`column` within the window, in SQL; the dates come from Dagster, never from users."""
        return f"{column} >= '{self.start.isoformat()}' and {column} < '{self.end.isoformat()}'"
