"""Building blocks of the edge's OpenAPI document, shared by the API's part and the console's."""

from __future__ import annotations

from typing import Any


def ref(schema: str) -> dict[str, Any]:
    """A reference to one of the document's named schemas."""
    return {"$ref": f"#/components/schemas/{schema}"}


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error(description: str) -> dict[str, Any]:
    """A response in the one error shape (``jarvis.http_errors``)."""
    return json_response(description, ref("Error"))


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    """A required JSON request body."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def path_parameter(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}
