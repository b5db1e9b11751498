"""What a sync must send: the segment members whose contact is new, changed or gone since the
last sync, worked out from the properties each member should have and what was last sent.

A contact is compared by a hash of its properties, so a member whose figures did not move is not
sent again, however many times the segments are rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

INSERT, UPDATE, DELETE = "insert", "update", "delete"

# The columns of the segments model (dbt_project/models/marts/customer_segments.sql) the
# activation reads, in this order.
SEGMENT_COLUMNS = (
    "customer_id",
    "customer_name",
    "customer_type",
    "count_lifetime_orders",
    "lifetime_value",
    "value_tier",
    "last_order_date",
    "is_lapsed",
    "segments",
)


def contact_properties(row: Mapping[str, Any]) -> dict[str, Any]:
    """A segments row as the contact's custom properties, in JSON's types."""
    lifetime_value = row["lifetime_value"]
    last_order = row["last_order_date"]
    return {
        "customer_name": row["customer_name"],
        "customer_type": row["customer_type"],
        "lifetime_orders": int(row["count_lifetime_orders"]),
        # Dollars with cents, as a JSON number: marketers filter on it ("LTV over 150").
        "lifetime_value": float(Decimal(lifetime_value)) if lifetime_value is not None else 0.0,
        "value_tier": row["value_tier"],
        "last_order_date": last_order.isoformat() if isinstance(last_order, date) else last_order,
        "is_lapsed": bool(row["is_lapsed"]),
        "segments": sorted(filter(None, (row["segments"] or "").split(","))),
    }


def properties_hash(properties: Mapping[str, Any]) -> str:
    canonical = json.dumps(properties, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Contact:
    key: str
    properties: dict[str, Any]
    hash: str

    @staticmethod
    def of(key: str, properties: dict[str, Any]) -> Contact:
        return Contact(key, properties, properties_hash(properties))


@dataclass
class Changes:
    """The contacts to create, update and delete, and how many members are already in sync."""

    inserts: list[Contact] = field(default_factory=list)
    updates: list[Contact] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def count(self) -> int:
        return len(self.inserts) + len(self.updates) + len(self.deletes)


def plan_changes(members: Iterable[Contact], sent: Mapping[str, str]) -> Changes:
    """`members`: every contact the segments hold now; `sent`: the hash of each contact the
    marketing system holds, by key, as of the last sync."""
    changes = Changes()
    current = set()
    for contact in sorted(members, key=lambda c: c.key):
        current.add(contact.key)
        if contact.key not in sent:
            changes.inserts.append(contact)
        elif sent[contact.key] != contact.hash:
            changes.updates.append(contact)
        else:
            changes.unchanged += 1
    changes.deletes = sorted(set(sent) - current)
    return changes
