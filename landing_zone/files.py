"""How landing files are named: `<table>/<YYYY-MM-DD>.csv`, one file per table per day."""

import re
from datetime import date
from pathlib import PurePosixPath


class LandingFileError(ValueError):
    """A file in the landing zone that cannot be loaded as it is."""


# Strict on purpose: `20180901.csv` is a valid ISO date too, and accepting both spellings would
# load a day twice.
LANDING_FILE_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})\.csv")


def file_key(table: str, day: date) -> str:
    """Where a table's file for a day goes: `orders/2018-09-01.csv`."""
    return f"{table}/{day.isoformat()}.csv"


def landing_date(file_name: str) -> date:
    """The day a landing file belongs to, from its name: `2018-09-01.csv` -> 2018-09-01."""
    match = LANDING_FILE_NAME.fullmatch(PurePosixPath(file_name).name)
    try:
        return date.fromisoformat(match[1] if match else "")
    except ValueError:
        raise LandingFileError(
            f"landing file {file_name!r} is not named after its day; expected YYYY-MM-DD.csv, "
            "e.g. 2018-09-01.csv. Rename or remove it, then run the load again."
        ) from None
