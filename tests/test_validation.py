"""Row-level validation of landing files: pure pyarrow, no dlt, no warehouse.

Every expected value is written out from the CSV text each test builds, not taken from the code.
"""

from __future__ import annotations

import pyarrow as pa

from ingestion.landing_zone import DAILY_TABLES
from ingestion.validation import RAW_LINE, REASON, ROW_NUMBER, read_csv_as_text, validate

ORDERS = DAILY_TABLES["orders"]
ITEMS = DAILY_TABLES["items"]
HEADER = "id,customer,ordered_at,store_id,subtotal,tax_paid,order_total"


def validated(csv_text: str, schema: pa.Schema = ORDERS):
    text, misshapen = read_csv_as_text(csv_text.encode())
    return validate(text, schema, misshapen)


def test_good_rows_load_typed_and_a_column_the_schema_does_not_know_rides_along_as_text():
    result = validated(
        f"{HEADER},coupon_code\n"
        "o1,c1,2018-09-01 10:00:00,s1,1100,66,1166,SAVE10\n"
        "o2,c2,2018-09-01 11:30:00,s1,-500,0,-500,\n"  # negative money is well-formed
    )
    assert result.rejected.num_rows == 0
    assert result.rows.schema == pa.schema([*ORDERS, ("coupon_code", pa.string())])
    assert result.rows.column("subtotal").to_pylist() == [1100, -500]
    assert result.rows.column("coupon_code").to_pylist() == ["SAVE10", ""]


def test_a_missing_column_rejects_every_row_and_keeps_their_text():
    result = validated("id,order_id\ni1,o1\ni2,o2\n", ITEMS)
    assert result.rows.num_rows == 0
    assert result.rejected.to_pylist() == [
        {"id": "i1", "order_id": "o1", "sku": None, REASON: "missing column sku",
         ROW_NUMBER: 2, RAW_LINE: None},
        {"id": "i2", "order_id": "o2", "sku": None, REASON: "missing column sku",
         ROW_NUMBER: 3, RAW_LINE: None},
    ]  # fmt: skip


def test_empty_and_unreadable_values_are_rejected_with_the_column_and_the_value():
    result = validated(
        f"{HEADER}\n"
        "o1,c1,2018-09-01 10:00:00,s1,1100,66,1166\n"
        "o2,,2018-09-01 10:00:00,s1,11.00,66,1166\n"
        "o3,c3,yesterday,s1,1100,66,1166\n"
        "o4,c4,2018-09-01 12:00:00,s1,1100,66,1166\n"
    )
    assert result.rows.column("id").to_pylist() == ["o1", "o4"]
    rejected = {row["id"]: row for row in result.rejected.to_pylist()}
    assert rejected["o2"][REASON] == (
        "customer is empty; subtotal '11.00' is not a whole number (money is in cents)"
    )
    assert rejected["o2"]["subtotal"] == "11.00"  # the file's own text, for whoever replays it
    assert rejected["o3"][REASON] == (
        "ordered_at 'yesterday' is not a timestamp like 2018-09-01 07:30:00"
    )
    assert (rejected["o2"][ROW_NUMBER], rejected["o3"][ROW_NUMBER]) == (3, 4)


def test_a_row_with_the_wrong_number_of_fields_is_set_aside_and_numbering_stays_true():
    result = validated(
        f"{HEADER}\n"
        "o1,c1,2018-09-01 10:00:00,s1,1100,66\n"  # row 2: a field short
        "o2,c2,2018-09-01 10:00:00,s1,1100,66,1166\n"
        "o3,,2018-09-01 10:00:00,s1,1100,66,1166\n"  # row 4: empty customer
    )
    assert result.rows.column("id").to_pylist() == ["o2"]
    by_row = {row[ROW_NUMBER]: row for row in result.rejected.to_pylist()}
    assert by_row[2][REASON] == "row has 6 fields, the header has 7"
    assert by_row[2][RAW_LINE] == "o1,c1,2018-09-01 10:00:00,s1,1100,66"
    assert by_row[4][REASON] == "customer is empty"


def test_an_empty_file_has_nothing_to_load_and_nothing_to_reject():
    result = validated("", ITEMS)
    assert (result.rows.num_rows, result.rejected.num_rows) == (0, 0)
    assert result.rows.schema == ITEMS
