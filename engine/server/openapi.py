"""The OpenAPI 3.1 document of the decision service.

The document is data (``openapi.yaml`` beside this module). Two things are
filled in when it is built: the product's version, and every component that
says ``x-embed: FILE``, which becomes the published JSON Schema of that name
(``engine/schemas/input-v1.schema.json``, ``decision-v1.schema.json``, ``event-v1.schema.json``) with
its references into the other published files inlined and its local references re-rooted so that
tools resolve them. So the HTTP contract and
the Python contract cannot drift.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from ..contract.schemas import SafeLoader, self_contained
from ..contract.version import __version__

PROBLEM_BASE = "https://dialogvakt.no/problems/"


def embedded(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """A published schema as the component ``name``: the same schema, with its local references
    (``#/$defs/part``) re-rooted under the component so that they resolve in the OpenAPI document.

    ``$id`` and ``$schema`` are left to the published file (the document declares the dialect); a
    ``$comment`` names the file's ``$id``.
    """
    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (f"#/components/schemas/{name}/{v[2:]}" if k == "$ref" and isinstance(v, str)
                        and v.startswith("#/") else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out = {k: v for k, v in schema.items() if k not in ("$id", "$schema")}
    return {"$comment": f"published as {schema.get('$id', name)}", **walk(out)}


def document_data() -> dict[str, Any]:
    """``openapi.yaml`` as written: the embeds and the version not yet filled in."""
    text = resources.files("engine.server").joinpath("openapi.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.load(text, Loader=SafeLoader)
    return data


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document the service serves at ``/openapi.json`` (built once; callers must not change it)."""
    doc = document_data()
    doc["info"]["version"] = __version__
    schemas = doc["components"]["schemas"]
    for name, component in schemas.items():
        if isinstance(component, dict) and "x-embed" in component:
            # self-contained: the event schema's references into the input schema are inlined first
            schemas[name] = embedded(self_contained(component["x-embed"]), name)
    return doc


__all__ = ["PROBLEM_BASE", "document_data", "embedded", "openapi_document"]
