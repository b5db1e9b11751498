"""Row-level validation of landing files: pure pyarrow, no dlt, no warehouse.

Every expected value is written out from the CSV text each test builds, not taken from the code.
"""

from __future__ import annotations

import pyarrow as pa

from ingestion.validation import RAW_LINE, REASON, ROW_NUMBER, read_csv_as_text, validate
from landing_zone.tables import DAILY_TABLES

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


ROW = "o1,c1,2018-09-01 10:00:00,s1,1100,66,1166"


def test_a_byte_order_mark_crlf_line_ends_and_trailing_blank_lines_read_as_plain_csv():
    data = ("\ufeff" + f"{HEADER}\r\n{ROW}\r\n" + ROW.replace("o1", "o2") + "\r\n\r\n\r\n").encode()
    assert data.startswith(b"\xef\xbb\xbf")
    text, misshapen = read_csv_as_text(data)
    result = validate(text, ORDERS, misshapen)
    assert text.column_names == HEADER.split(",")  # no BOM glued to `id`
    assert result.rejected.num_rows == 0
    assert result.rows.column("id").to_pylist() == ["o1", "o2"]
    assert result.rows.column("order_total").to_pylist() == [1166, 1166]  # no '\r' in the way
    assert not any("\r" in value for column in text.columns for value in column.to_pylist())


def test_a_repeated_header_line_is_dropped_and_reported_not_loaded_as_a_row():
    # Two exports joined into one: items have no typed column, so the header would load as an
    # item `id,order_id,sku` if it were taken for a row. The second copy even has its own BOM.
    result = validated(
        "id,order_id,sku\n"
        "id,order_id,sku\n"  # row 2
        "i1,o1,s1\n"
        "\ufeffid,order_id,sku\r\n"  # row 4
        "i2,o2,\n",  # row 5: an empty sku
        ITEMS,
    )
    assert result.rows.column("id").to_pylist() == ["i1"]
    assert result.repeated_headers == (2, 4)
    assert [(row["id"], row[ROW_NUMBER]) for row in result.rejected.to_pylist()] == [("i2", 5)]


def test_a_header_alone_reads_as_no_rows_even_without_a_line_end():
    for data in (f"{HEADER}\n", HEADER, f"\ufeff{HEADER}\r\n"):
        text, misshapen = read_csv_as_text(data.encode())
        assert (text.column_names, text.num_rows, misshapen) == (HEADER.split(","), 0, [])


def test_a_file_with_no_header_line_reads_as_no_columns():
    for data in (b"", b"\n", b"\r\n  \r\n", b"\xef\xbb\xbf"):
        text, misshapen = read_csv_as_text(data)
        assert (text.num_columns, text.num_rows, misshapen) == (0, 0, []), data
