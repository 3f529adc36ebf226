"""The edge's OpenAPI document, assembled from its parts: the API's paths and the console's."""

from __future__ import annotations

from assistant.openapi import openapi_document


def test_every_operation_is_named_once_and_lists_the_auth_refusals() -> None:
    """Each operation has its own operationId and answers 401 and 403 in the error shape."""
    operations = [op for ops in openapi_document()["paths"].values() for op in ops.values()]
    names = [operation["operationId"] for operation in operations]
    assert len(names) == len(set(names))
    assert {"postUtterance", "getStatus", "postPhrase", "getOpenapi"} <= set(names)
    for operation in operations:
        for status in ("401", "403"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}


def test_every_reference_names_a_schema_of_the_document() -> None:
    """No ``$ref`` points at a schema the document does not define."""
    document = openapi_document()
    schemas = set(document["components"]["schemas"])
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                found.append(node["$ref"].removeprefix("#/components/schemas/"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document["paths"])
    assert found
    assert set(found) <= schemas


def test_building_it_twice_gives_the_same_document() -> None:
    """Nothing shared between calls is changed while the document is put together."""
    assert openapi_document() == openapi_document()
