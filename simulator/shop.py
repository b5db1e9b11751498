"""The shop's fixed world: its menu, the supplies each item uses, its stores and customers.

Money is in integer cents, as jafgen writes it; the dbt staging models turn it into dollars.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Supply:
    id: str
    name: str
    cost: int
    perishable: bool


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    type: str
    price: int
    description: str
    supplies: tuple[Supply, ...]


@dataclass(frozen=True)
class Store:
    id: str
    name: str
    opened_at: datetime
    tax_rate: float


@dataclass(frozen=True)
class Customer:
    id: str
    name: str


_CUTLERY = Supply("SUP-001", "compostable cutlery - knife", 7, False)
_NAPKIN = Supply("SUP-002", "napkin", 2, False)
_BOX = Supply("SUP-003", "jaffle box", 11, False)
_CUP = Supply("SUP-004", "16oz compostable clear cup", 13, False)
_LID = Supply("SUP-005", "16oz compostable clear lid", 4, False)
_STRAW = Supply("SUP-006", "biodegradable straw", 1, False)
_BREAD = Supply("SUP-007", "white bread loaf", 33, True)
_JAFFLE_KIT = (_CUTLERY, _NAPKIN, _BOX, _BREAD)
_DRINK_KIT = (_CUP, _LID, _STRAW)


def _jaffle(sku: str, name: str, price: int, description: str, *filling: Supply) -> Product:
    return Product(sku, name, "jaffle", price, description, _JAFFLE_KIT + filling)


def _drink(sku: str, name: str, price: int, description: str, *contents: Supply) -> Product:
    return Product(sku, name, "beverage", price, description, _DRINK_KIT + contents)


MENU: tuple[Product, ...] = (
    _jaffle(
        "JAF-001",
        "nutellaphone who dis?",
        1100,
        "nutella and banana jaffle",
        Supply("SUP-008", "nutella", 46, True),
        Supply("SUP-009", "banana", 13, True),
    ),
    _jaffle(
        "JAF-002",
        "doctor stew",
        1100,
        "house-made beef stew jaffle",
        Supply("SUP-010", "beef stew", 169, True),
    ),
    _jaffle(
        "JAF-003",
        "the krautback",
        1200,
        "lamb and pork bratwurst with sauerkraut",
        Supply("SUP-011", "lamb and pork bratwurst", 234, True),
        Supply("SUP-012", "sauerkraut", 43, True),
    ),
    _jaffle(
        "JAF-004",
        "flame impala",
        1400,
        "pulled pork and pineapple al pastor",
        Supply("SUP-013", "pulled pork", 215, True),
        Supply("SUP-014", "pineapple", 26, True),
    ),
    _jaffle(
        "JAF-005",
        "mel-bun",
        1200,
        "melon and minced beef bao, in a jaffle",
        Supply("SUP-015", "melon", 33, True),
        Supply("SUP-016", "minced beef", 124, True),
    ),
    _drink(
        "BEV-001",
        "tangaroo",
        600,
        "mango and tangerine smoothie",
        Supply("SUP-017", "mango", 32, True),
        Supply("SUP-018", "tangerine", 20, True),
    ),
    _drink(
        "BEV-002",
        "chai and mighty",
        500,
        "oatmilk chai latte with protein boost",
        Supply("SUP-019", "oatmilk", 11, True),
        Supply("SUP-020", "chai mix", 98, True),
    ),
    _drink(
        "BEV-003",
        "vanilla ice",
        600,
        "iced coffee with vanilla syrup",
        Supply("SUP-021", "whole coffee beans", 52, False),
        Supply("SUP-022", "vanilla syrup", 28, False),
    ),
    _drink(
        "BEV-004",
        "for richer or pourover",
        700,
        "daily selection of single estate beans",
        Supply("SUP-021", "whole coffee beans", 52, False),
    ),
    _drink(
        "BEV-005",
        "adventure juice",
        500,
        "cold pressed kale, apple and ginger juice",
        Supply("SUP-023", "kale", 38, True),
        Supply("SUP-024", "apple", 13, True),
    ),
)

STORES: tuple[Store, ...] = tuple(
    Store(
        str(uuid.uuid5(uuid.NAMESPACE_URL, f"jaffle-shop/store/{name}")),
        name,
        datetime.fromisoformat(opened),
        tax_rate,
    )
    for name, opened, tax_rate in (
        ("Philadelphia", "2016-09-01 00:00:00", 0.06),
        ("Brooklyn", "2017-03-12 00:00:00", 0.04),
        ("Chicago", "2018-04-29 00:00:00", 0.0625),
        ("San Francisco", "2018-05-09 00:00:00", 0.075),
        ("New Orleans", "2019-03-10 00:00:00", 0.04),
        ("Los Angeles", "2019-09-13 00:00:00", 0.08),
    )
)

_FIRST_NAMES = (
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jamal",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
)
_LAST_NAMES = (
    "Abbott",
    "Baptiste",
    "Chen",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gomez",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Silva",
    "Tanaka",
    "Usman",
    "Varga",
    "Walsh",
    "Yilmaz",
    "Zhang",
)

CUSTOMER_COUNT = 2_500

# The shop's operational database as generated: every record was last changed before this
# moment, the first day of the data. Changes the simulator makes later (simulator/shop_changes.py)
# are stamped with their own day's times, so a record's `updated_at` only ever grows.
RECORDS_AS_OF = datetime(2018, 9, 1)


def draw_name(rng: random.Random) -> str:
    """A customer's name: a first and a last name, as the generated customers have."""
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"


def customers(seed: int = 0, scale: int = 1) -> list[Customer]:
    """The shop's customer base: the same list for the same seed, whatever the date range.

    A shop `scale` times as busy has `scale` times the customers, so each customer orders as
    often as in the demo; the first `CUSTOMER_COUNT` are the demo's own, whatever the scale.
    """
    rng = random.Random(f"customers:{seed}")
    return [
        Customer(
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}",
        )
        for _ in range(CUSTOMER_COUNT * scale)
    ]


def open_stores(day: date) -> list[Store]:
    return [store for store in STORES if store.opened_at.date() <= day]
