"""The daily tables the shop delivers, with their columns: one entry per table.

This is the one declaration a new daily table needs. From it the dlt source reads and validates
`<table>/<YYYY-MM-DD>.csv` into `raw.<table>` (with its quarantine), the sensor watches the
table's folder, and the raw asset gets its partitions, checks and freshness policy. dbt then
declares the table as a source and gives it a staging model. `make daily-table` writes all
three (README, "Adding things").
"""

import pyarrow as pa

# The columns as the shop writes them (jafgen's names); money in integer cents. The types are
# what each value must read as: a row with one that does not goes to the quarantine.
DAILY_TABLES: dict[str, pa.Schema] = {
    "orders": pa.schema(
        [
            ("id", pa.string()),
            ("customer", pa.string()),
            ("ordered_at", pa.timestamp("us")),
            ("store_id", pa.string()),
            ("subtotal", pa.int64()),
            ("tax_paid", pa.int64()),
            ("order_total", pa.int64()),
        ]
    ),
    "items": pa.schema(
        [
            ("id", pa.string()),
            ("order_id", pa.string()),
            ("sku", pa.string()),
        ]
    ),
}
