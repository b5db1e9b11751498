"""Draw the platform's asset graph as a Mermaid diagram, from the definitions themselves.

    .venv/bin/python docs/asset_graph.py     # prints the diagram that README.md shows

tests/test_docs.py fails when the README's diagram differs from what this prints, so the
picture cannot drift from the code.
"""

from __future__ import annotations

from collections import defaultdict

from dagster import AssetKey
from dagster._core.definitions.assets.graph.asset_graph import AssetGraph


def node_id(key: AssetKey) -> str:
    return "_".join(key.path)


def mermaid(graph: AssetGraph) -> str:
    # External assets too (the product catalogue its publisher reports): they are drawn
    # beside what reads them, like any asset.
    keys = sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string())
    by_group: dict[str, list[AssetKey]] = defaultdict(list)
    for key in keys:
        by_group[graph.get(key).group_name or "default"].append(key)

    lines = ["flowchart LR"]
    for group in (
        "ingestion",
        "staging",
        "marts",
        *sorted(set(by_group) - {"ingestion", "staging", "marts"}),
    ):
        if group not in by_group:
            continue
        lines.append(f"  subgraph {group}")
        lines += [f'    {node_id(k)}["{k.to_user_string()}"]' for k in by_group[group]]
        lines.append("  end")
    for key in keys:
        lines += [
            f"  {node_id(parent)} --> {node_id(key)}"
            for parent in sorted(graph.get(key).parent_keys, key=lambda k: k.to_user_string())
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    from graduated_platform.definitions import defs

    print(mermaid(defs.resolve_asset_graph()))
