"""The Jaffle Shop simulator: writes raw data the way the shop's own systems would.

It stands in for the world upstream of the platform. Its output has the shapes and column names
that dbt-labs' `jafgen` generator writes (customers, orders, items, products, stores, supplies),
delivered the way a real shop would deliver them:

- orders and items as one CSV file per day in the landing zone (`landing/orders/2018-09-01.csv`);
- customers and stores in the shop's operational database (a SQLite file);
- products, each with its list of supplies, in a product catalogue published as a JSON document.

Every day is drawn from a random generator seeded by that day alone, so a day's files are the
same whichever range they were generated in, and generating a range twice writes the same bytes.
"""
