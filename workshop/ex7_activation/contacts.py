"""`python -m workshop.ex7_activation.contacts [WORD ...]`: what the marketing service holds.

Without words, how many contacts it holds in each segment; with words, each contact whose key
(the customer id) starts with a word or whose name contains it, with the properties the service
has for it. It reads the service's own API, as the marketing team's tools would: what the
platform sent is what the service says, not what the warehouse says.
"""

from __future__ import annotations

import sys
from collections import Counter

from workshop.exercises import NotDone
from workshop.platform_state import PlatformState


def matching(contacts: dict[str, dict], word: str) -> list[tuple[str, dict]]:
    word = word.lower()
    return [
        (key, properties)
        for key, properties in sorted(contacts.items())
        if key.lower().startswith(word) or word in str(properties.get("customer_name", "")).lower()
    ]


def main(words: list[str]) -> int:
    try:
        contacts = PlatformState().marketing_contacts()
    except NotDone as reason:
        print(reason)
        return 1
    if not words:
        members = Counter(s for p in contacts.values() for s in p.get("segments", []))
        listed = ", ".join(f"{name} {count}" for name, count in sorted(members.items()))
        print(f"the marketing service holds {len(contacts)} contacts; in segments: {listed}")
        return 0
    for word in words:
        found = matching(contacts, word)
        if not found:
            print(f"{word}: no contact's key starts with it and no name contains it")
        for key, properties in found:
            segments = ",".join(properties.get("segments", [])) or "-"
            print(f"{key}  {properties.get('customer_name')!r}  segments: {segments}  "
                  f"last order: {properties.get('last_order_date')}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
