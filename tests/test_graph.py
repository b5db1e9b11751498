"""The asset graph is one graph: every dbt source is a dlt asset, and nothing hangs loose."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from dagster import AssetKey, AssetSpec
from dagster._core.definitions.assets.graph.asset_graph import AssetGraph
from dagster_dbt.dbt_manifest import validate_manifest

from graduated_platform.dbt_manifest import DBT_PROJECT
from graduated_platform.definitions import defs
from graduated_platform.defs.dbt import TRANSLATOR
from graduated_platform.defs.ingestion import INGESTION_ASSETS
from graduated_platform.translators import raw_table_asset_key


def dbt_source_keys() -> dict[str, AssetKey]:
    """Each dbt source table's asset key, as the translator assigns it."""
    manifest = validate_manifest(DBT_PROJECT.manifest_path)
    return {
        node["name"]: TRANSLATOR.get_asset_spec(manifest, unique_id, DBT_PROJECT).key
        for unique_id, node in manifest["sources"].items()
    }


def dlt_asset_keys() -> set[AssetKey]:
    return {key for assets_def in INGESTION_ASSETS for key in assets_def.keys}


def connected_pieces(graph: AssetGraph) -> list[set[AssetKey]]:
    """Split the graph into the sets of assets linked by lineage, ignoring its direction."""
    neighbours: dict[AssetKey, set[AssetKey]] = {k: set() for k in graph.get_all_asset_keys()}
    for key in neighbours:
        for parent in graph.get(key).parent_keys:
            neighbours[key].add(parent)
            neighbours[parent].add(key)
    pieces: list[set[AssetKey]] = []
    unvisited = set(neighbours)
    while unvisited:
        piece, frontier = set(), [unvisited.pop()]
        while frontier:
            key = frontier.pop()
            piece.add(key)
            frontier.extend(neighbours[key] - piece)
        unvisited -= piece
        pieces.append(piece)
    return pieces


# Assets the platform declares without building them: an outside system reports them
# (the product catalogue). Any other asset nothing materializes is a dependency left dangling.
DECLARED_EXTERNAL = {spec.key for spec in defs.assets or [] if isinstance(spec, AssetSpec)}


def loose_ends(graph: AssetGraph) -> list[str]:
    """Assets nothing produces (and nobody declared), and pieces of the graph cut off from the
    rest. An observable source (the shop database's tables) is produced by its observation."""
    produced = graph.materializable_asset_keys | graph.observable_asset_keys
    problems = [
        f"{key.to_user_string()} is a dependency that no asset materializes"
        for key in graph.get_all_asset_keys()
        if key not in produced and key not in DECLARED_EXTERNAL
    ]
    pieces = sorted(connected_pieces(graph), key=len)
    problems += [
        f"{sorted(k.to_user_string() for k in piece)} is cut off from the rest of the graph"
        for piece in pieces[:-1]
    ]
    return problems


def missing_producers(source_keys: dict[str, AssetKey], produced: Iterable[AssetKey]) -> list[str]:
    produced = set(produced)
    return [
        f"dbt source raw.{table} maps to {key.to_user_string()}, which no dlt asset produces"
        for table, key in source_keys.items()
        if key not in produced
    ]


def test_every_dbt_source_is_an_asset_a_dlt_source_produces():
    sources = dbt_source_keys()
    # The starting platform's six, and any a team adds: each must have a producer.
    starting = {"orders", "items", "customers", "stores", "products", "products__supplies"}
    assert set(sources) >= starting
    assert missing_producers(sources, dlt_asset_keys()) == []


def test_a_child_table_belongs_to_its_parent_asset():
    assert dbt_source_keys()["products__supplies"] == AssetKey(["raw", "products"])
    assert raw_table_asset_key("orders__items__notes") == AssetKey(["raw", "orders"])


def test_the_whole_platform_is_one_connected_graph_with_no_loose_ends():
    graph = defs.resolve_asset_graph()
    assert loose_ends(graph) == []
    marts = {AssetKey(["marts", n]) for n in ("customers", "orders", "order_items", "products")}
    assert marts <= graph.materializable_asset_keys


def test_the_checks_would_catch_a_dangling_source_and_a_cut_off_asset():
    # The helpers above must be able to fail: feed them a broken mapping and a split graph.
    assert missing_producers({"nowhere": AssetKey(["raw", "nowhere"])}, dlt_asset_keys())

    import dagster as dg

    @dg.asset
    def island() -> None: ...

    @dg.asset(deps=[AssetKey(["raw", "nowhere"])])
    def stray() -> None: ...

    split = dg.Definitions(assets=[island, stray]).resolve_asset_graph()
    problems = loose_ends(split)
    assert any("raw/nowhere is a dependency" in p for p in problems)
    assert any("cut off" in p for p in problems)


@pytest.mark.parametrize(
    ("group", "members"),
    [
        ("ingestion", {("raw", "orders"), ("raw", "items"), ("raw", "customers")}),
        ("staging", {("staging", "stg_orders"), ("staging", "stg_supplies")}),
        ("marts", {("marts", "customers"), ("marts", "orders"), ("marts", "order_items")}),
    ],
)
def test_assets_are_grouped_by_layer(group: str, members: set[tuple[str, ...]]):
    graph = defs.resolve_asset_graph()
    in_group = {
        tuple(key.path)
        for key in graph.materializable_asset_keys
        if graph.get(key).group_name == group
    }
    assert members <= in_group


def unsafe_test_reads(manifest: dict) -> dict[str, set[AssetKey]]:
    """For each dbt test, the assets it reads that are neither the asset it checks nor upstream
    of it. dbt nodes count as the assets they are: products__supplies is raw/products."""
    asset = {
        unique_id: TRANSLATOR.get_asset_spec(manifest, unique_id, DBT_PROJECT).key
        for unique_id in [*manifest["sources"], *manifest["nodes"]]
        if not unique_id.startswith("test.")
    }
    upstream: dict[str, set[str]] = {}

    def ancestors(unique_id: str) -> set[str]:
        if unique_id not in upstream:
            parents = set(manifest["parent_map"].get(unique_id, []))
            upstream[unique_id] = parents.union(*(ancestors(p) for p in parents))
        return upstream[unique_id]

    problems = {}
    for unique_id, node in manifest["nodes"].items():
        checked = node.get("attached_node")
        if node["resource_type"] != "test" or not checked:
            continue
        safe = {asset[checked]} | {asset[a] for a in ancestors(checked)}
        unsafe = {asset[read] for read in node["depends_on"]["nodes"]} - safe
        if unsafe:
            problems[unique_id] = unsafe
    return problems


def test_every_dbt_test_reads_only_its_model_and_what_is_upstream_of_it():
    # Dagster orders runs by lineage alone. A relationships test whose other model is not
    # upstream can run before that model exists (a first backfill) and fail the whole step.
    manifest = dict(validate_manifest(DBT_PROJECT.manifest_path))
    assert unsafe_test_reads(manifest) == {}

    stg_orders, customers = "model.jaffle_shop.stg_orders", "model.jaffle_shop.customers"
    manifest["nodes"] = {
        **manifest["nodes"],
        "test.x": {
            "resource_type": "test",
            "attached_node": stg_orders,
            "depends_on": {"nodes": [stg_orders, customers]},
        },
    }
    assert unsafe_test_reads(manifest) == {"test.x": {AssetKey(["marts", "customers"])}}
