"""Publish a new product catalogue, then tell the platform, as the merchandising system would.

    python -m simulator.publish_catalog                        # JAF-001 costs 50 cents more
    python -m simulator.publish_catalog --sku BEV-002 --price 550

Writes the catalogue (`product_catalog.json`, in PRODUCT_CATALOG_URL's folder or the `shop`
folder of PLATFORM_DATA_DIR) with the new price, then reports the publication to the Dagster
webserver at DAGSTER_WEBSERVER_URL (http://127.0.0.1:3000 by default): one HTTP POST to
`/report_asset_materialization/shop/product_catalog`, the request README.md shows ("What moves
each asset"). With the automation sensor on, the platform then loads the catalogue and rebuilds
what reads it.

The publisher speaks HTTP only, as an outside system does. The webserver records a report for
any asset key, known or not, and answers a body that is not JSON with a bare "Internal Server
Error"; so this client first asks the webserver's GraphQL API whether the asset exists, and words
every answer it gets: a report that would reach nothing is never sent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# simulator/publish_catalog.py -> the repository root
REPOSITORY = Path(__file__).resolve().parents[1]
CATALOG_FILE = "product_catalog.json"
CATALOG_ASSET = "shop/product_catalog"
DEFAULT_WEBSERVER = "http://127.0.0.1:3000"
TIMEOUT_SECONDS = 30

ASSET_QUERY = """
query ($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    __typename
    ... on AssetNotFoundError { message }
  }
}
"""


class PublishError(Exception):
    """The catalogue could not be published or reported; the message says why and what to do."""


@dataclass(frozen=True)
class PriceChange:
    sku: str
    old_cents: int
    new_cents: int


def catalog_path() -> Path:
    """The catalogue the platform reads: PRODUCT_CATALOG_URL's folder, else PLATFORM_DATA_DIR's
    `shop` folder (the repository's `data/shop` by default)."""
    url = os.environ.get("PRODUCT_CATALOG_URL")
    if url and "://" in url and not url.startswith("file://"):
        raise PublishError(
            f"PRODUCT_CATALOG_URL is {url}: this simulator publishes to a folder only; "
            "unset it to publish to the local catalogue"
        )
    if url:
        return Path(url.removeprefix("file://")) / CATALOG_FILE
    data_dir = Path(os.environ.get("PLATFORM_DATA_DIR") or REPOSITORY / "data")
    return data_dir / "shop" / CATALOG_FILE


def change_price(path: Path, sku: str, price_cents: int | None) -> tuple[PriceChange, bytes]:
    """Write the catalogue with `sku`'s new price (50 cents more by default), whole, by a rename;
    returns the change and the bytes written."""
    if not path.exists():
        raise PublishError(f"no catalogue at {path}: run `make data` first")
    catalog = json.loads(path.read_text())
    products = {product["sku"]: product for product in catalog["products"]}
    if sku not in products:
        raise PublishError(f"no product {sku} in {path}; its products: {', '.join(products)}")
    old = products[sku]["price"]
    new = old + 50 if price_cents is None else price_cents
    if new < 0:
        raise PublishError(f"price {new} is below zero: give it in cents, e.g. --price 1250")
    products[sku]["price"] = new
    data = (json.dumps(catalog, indent=2) + "\n").encode()
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    partial.replace(path)
    return PriceChange(sku, old, new), data


def post_json(url: str, body: bytes) -> tuple[int, str]:
    """POST `body` as JSON; the status and the text of the answer, whatever the status."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except OSError as error:
        raise PublishError(
            f"the Dagster webserver at {url} cannot be reached ({error}): is `make up` running, "
            "and is DAGSTER_WEBSERVER_URL right?"
        ) from error


def require_asset(webserver: str, asset: str) -> None:
    """Fail, naming the key, if the platform has no asset `asset` (the webserver's report
    endpoint would record the report all the same, against a key nothing reads)."""
    body = json.dumps({"query": ASSET_QUERY, "variables": {"path": asset.split("/")}}).encode()
    status, text = post_json(f"{webserver}/graphql", body)
    try:
        answer = json.loads(text)["data"]["assetNodeOrError"]
    except (ValueError, KeyError, TypeError) as error:
        raise PublishError(
            f"{webserver}/graphql answered {status} with {text[:200]!r}, not Dagster's GraphQL: "
            "is DAGSTER_WEBSERVER_URL the Dagster webserver?"
        ) from error
    if answer["__typename"] == "AssetNotFoundError":
        raise PublishError(
            f"the platform at {webserver} has no asset {asset} ({answer['message']}); the "
            f"catalogue's asset is {CATALOG_ASSET}. Nothing was reported."
        )


def report_publication(webserver: str, asset: str, body: bytes) -> None:
    """Report the publication as a materialization of `asset`, and word the webserver's answer."""
    url = f"{webserver}/report_asset_materialization/{asset}"
    status, text = post_json(url, body)
    if status == 200:
        return
    try:
        reason = json.loads(text)["error"]
    except (ValueError, KeyError, TypeError):
        # The webserver answers a body that is not JSON with a bare 500 (its log has why).
        reason = f"{text.strip()[:200]!r}; a 500 here usually means the body is not valid JSON"
    raise PublishError(f"{url} refused the report ({status}): {reason}")


def publication_report(change: PriceChange, catalog: bytes) -> bytes:
    """The JSON body: the catalogue's hash as its data version, and what changed."""
    return json.dumps(
        {
            "data_version": hashlib.sha256(catalog).hexdigest()[:16],
            "description": "catalogue published by simulator.publish_catalog",
            "metadata": {
                "sku": change.sku,
                "old_price_cents": change.old_cents,
                "new_price_cents": change.new_cents,
            },
        }
    ).encode()


def publish(
    webserver: str, sku: str, price_cents: int | None, asset: str = CATALOG_ASSET
) -> PriceChange:
    """Check the asset, write the catalogue, report it. Nothing is written if the platform has
    no such asset; if the report fails, the catalogue stays written: send the report again
    (README's curl)."""
    webserver = webserver.rstrip("/")
    require_asset(webserver, asset)
    change, catalog = change_price(catalog_path(), sku, price_cents)
    report_publication(webserver, asset, publication_report(change, catalog))
    return change


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sku", default="JAF-001", help="the product to reprice")
    parser.add_argument("--price", type=int, help="new price in cents; default: 50 cents more")
    parser.add_argument("--asset", default=CATALOG_ASSET, help="the asset key to report")
    parser.add_argument(
        "--webserver", default=os.environ.get("DAGSTER_WEBSERVER_URL") or DEFAULT_WEBSERVER
    )
    args = parser.parse_args(argv)
    try:
        change = publish(args.webserver, args.sku, args.price, args.asset)
    except PublishError as error:
        parser.exit(1, f"publish-catalog: {error}\n")
    print(
        f"published: {change.sku} from {change.old_cents} to {change.new_cents} cents; "
        f"reported {args.asset} to {args.webserver}"
    )


if __name__ == "__main__":
    main()
