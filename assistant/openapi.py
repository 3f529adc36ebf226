"""The OpenAPI 3.0 document of the edge HTTP API, served at ``/v1/openapi.json``."""

from __future__ import annotations

from typing import Any

from assistant.console import openapi as console_openapi
from assistant.openapi_parts import error, json_body, json_response, path_parameter, ref

ERROR_STATUSES = {
    "400": "Malformed JSON, or missing, empty or invalid fields",
    "413": "The body is larger than 16 KiB",
    "415": "The body is not application/json",
}


AUTH_STATUSES = {
    "401": "The edge requires a bearer token (JARVIS_EDGE_TOKEN) and none or a wrong one was sent",
    "403": "The client's address is outside the networks allowed (JARVIS_EDGE_ALLOW)",
}
"""Possible on every operation when the edge is configured with a token or an allowlist."""

SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "JARVIS_EDGE_TOKEN; required when the API binds beyond loopback.",
    }
}


SCALAR: dict[str, Any] = {
    "nullable": True,
    "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
}

SCHEMAS: dict[str, Any] = {
    "UtteranceRequest": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": {
                "type": "string",
                "minLength": 1,
                "maxLength": 4000,
                # Something to say, and no NUL character (text stores cannot hold one).
                "pattern": r"^[^\u0000]*[^\s\u0000][^\u0000]*$",
            },
            "trace_id": {
                "type": "string",
                "nullable": True,
                "pattern": "^[0-9A-Za-z_-]{1,64}$",
                "description": "Continue an existing trace instead of starting a new one.",
            },
            "spoken": {
                "type": "boolean",
                "default": False,
                "description": "The text is what a speech recognizer heard: a misheard "
                "command may be repaired to the nearest one the edge knows.",
            },
            "words_sure": {
                "type": "number",
                "nullable": True,
                "minimum": 0,
                "maximum": 1,
                "description": "With spoken: how sure the recognizer was of the words, when it "
                "is whisper (its mean token probability of a transcript decoded on its own). "
                "Below 0.5 the words are doubted: the learned tier acts on them only at 0.91 "
                "(not 0.65); a guess below that which a command phrase says is asked about "
                "('Did you mean “pause the music”?', answered by a yes or no), and "
                "what nothing can do gets 'say it again'.",
            },
        },
    },
    "Utterance": {
        "type": "object",
        "required": ["id", "trace_id", "handled_by", "status", "intent", "slots", "reply"],
        "properties": {
            "id": {"type": "string"},
            "trace_id": {"type": "string"},
            "text": {"type": "string"},
            "intent": {"type": "string", "nullable": True},
            "slots": {"type": "object", "additionalProperties": SCALAR},
            "handled_by": {"type": "string", "enum": ["edge", "cloud"]},
            "status": {"type": "string", "enum": ["pending", "done", "failed", "cancelled"]},
            "reply": {"type": "string", "nullable": True},
            "error": {"type": "string", "description": "Why a failed utterance failed."},
            "interpret_ms": {"type": "number", "description": "Milliseconds"},
            "handle_ms": {"type": "number", "nullable": True, "description": "Milliseconds"},
            "created_at": {"type": "number", "description": "Seconds since the epoch"},
            "follow_up_at": {
                "type": "number",
                "nullable": True,
                "description": "Seconds since the epoch when a later event for it is due",
            },
        },
    },
    "Status": {
        "type": "object",
        "required": ["device_id", "device_name", "cloud"],
        "properties": {
            "device_id": {"type": "string"},
            "device_name": {"type": "string"},
            "cloud": {
                "type": "object",
                "required": ["configured", "connected"],
                "properties": {
                    "configured": {"type": "boolean"},
                    "connected": {"type": "boolean"},
                    "problem": {
                        "type": "string",
                        "nullable": True,
                        "description": "What keeps the edge from the cloud: the cloud refuses "
                        "its token (until a person acts), or the link keeps failing (it is "
                        "retried with growing waits); null otherwise.",
                    },
                },
            },
            "home_assistant": {
                "type": "object",
                "required": ["configured", "url", "entities", "problem"],
                "properties": {
                    "configured": {"type": "boolean"},
                    "url": {"type": "string", "nullable": True},
                    "entities": {"type": "integer", "description": "Entities Jarvis knows."},
                    "problem": {
                        "type": "string",
                        "nullable": True,
                        "description": "Why Home Assistant did not answer last (never the token).",
                    },
                },
            },
        },
    },
    "PhraseRequest": {
        "type": "object",
        "required": ["phrase", "actions"],
        "properties": {
            "phrase": {"type": "string", "minLength": 1, "maxLength": 80},
            "actions": {
                "type": "string",
                "minLength": 1,
                "maxLength": 300,
                "description": "Local commands joined by 'and' or 'then'",
            },
        },
    },
    "Phrases": {
        "type": "object",
        "required": ["phrases"],
        "properties": {
            "phrases": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["phrase", "actions", "intents"],
                    "properties": {
                        "phrase": {"type": "string"},
                        "actions": {"type": "string"},
                        "intents": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name", "slots"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "slots": {"type": "object", "additionalProperties": SCALAR},
                                },
                            },
                        },
                    },
                },
            }
        },
    },
    "PhraseReply": {
        "type": "object",
        "required": ["reply"],
        "properties": {"phrase": {"type": "string"}, "reply": {"type": "string"}},
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    },
}


def openapi_document() -> dict[str, Any]:
    """The whole document: the API's paths, the console's, and the statuses auth adds to all."""
    paths = {**_utterance_paths(), **_service_paths(), **_phrase_paths()}
    paths.update(console_openapi.console_paths())
    for operations in paths.values():
        for operation in operations.values():
            for status, text in AUTH_STATUSES.items():
                operation["responses"][status] = error(text)
    return {
        "openapi": "3.0.3",
        # Either no credentials (loopback, nothing configured) or the bearer token.
        "security": [{}, {"bearer": []}],
        "info": {"title": "Jarvis edge API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": {**SCHEMAS, **console_openapi.SCHEMAS},
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _body_errors() -> dict[str, Any]:
    return {status: error(text) for status, text in ERROR_STATUSES.items()}


def _utterance_paths() -> dict[str, Any]:
    """Saying something, and reading back what became of it."""
    return {
        "/v1/utterances": {
            "post": {
                "operationId": "postUtterance",
                "summary": "Say something to Jarvis as text",
                "requestBody": json_body(ref("UtteranceRequest")),
                "responses": {
                    "200": json_response("A local intent, answered by the edge", ref("Utterance")),
                    "202": json_response(
                        "Forwarded to the cloud; the reply comes later", ref("Utterance")
                    ),
                    **_body_errors(),
                },
            }
        },
        "/v1/utterances/{id}": {
            "get": {
                "operationId": "getUtterance",
                "summary": "An utterance, its status and its reply",
                "parameters": [path_parameter("id")],
                "responses": {
                    "200": json_response("The utterance", ref("Utterance")),
                    "404": error("No utterance has that id"),
                },
            }
        },
    }


def _service_paths() -> dict[str, Any]:
    """The event stream, this edge's status and this document."""
    return {
        "/v1/events": {
            "get": {
                "operationId": "streamEvents",
                "summary": "Server-Sent Events: one `reply` event per reply",
                "description": "Each event's data is the reply as JSON (`text`, `utterance_id`, "
                "`kind`, `follow_up_at`, `awaiting_confirmation`). When the wake word is heard "
                "a `wake` event is sent instead (`kind` `wake`, `text` empty), whose `woke` "
                "says which ear heard the phrase and how sure it was: `{\"by\": 'detector' | "
                "'whisper check' | 'microWakeWord' | 'slowed detector', \"score\": 0-1, "
                '"voice": the enrolled voice or null, "satellite": the Wyoming satellite whose '
                "microphone heard it, as `JARVIS_WYOMING_SATELLITES` names it, or null for this "
                "edge's own}`. `Last-Event-ID` (or `?last_event_id=`) replays what a client "
                "missed; `?replay=0` skips the unseen alerts a new client is given.",
                "responses": {
                    "200": {
                        "description": "An endless event stream",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/v1/status": {
            "get": {
                "operationId": "getStatus",
                "summary": "This edge's identity and the state of its cloud link",
                "responses": {"200": json_response("Status", ref("Status"))},
            }
        },
        "/v1/openapi.json": {
            "get": {
                "operationId": "getOpenapi",
                "summary": "This document",
                "responses": {"200": json_response("OpenAPI 3.0", {"type": "object"})},
            }
        },
    }


def _phrase_paths() -> dict[str, Any]:
    """Teaching, listing and forgetting phrases."""
    return {
        "/v1/phrases": {
            "get": {
                "operationId": "getPhrases",
                "summary": "The phrases the user taught",
                "responses": {"200": json_response("Taught phrases", ref("Phrases"))},
            },
            "post": {
                "operationId": "postPhrase",
                "summary": "Teach a phrase that runs local commands",
                "requestBody": json_body(ref("PhraseRequest")),
                "responses": {
                    "201": json_response("Taught", ref("PhraseReply")),
                    "409": error(
                        "Refused: it would shadow a command or a phrase, or runs no command"
                    ),
                    **_body_errors(),
                },
            },
        },
        "/v1/phrases/{phrase}": {
            "delete": {
                "operationId": "deletePhrase",
                "summary": "Forget a taught phrase",
                "parameters": [path_parameter("phrase")],
                "responses": {
                    "200": json_response("Forgotten", ref("PhraseReply")),
                    "404": error("No such phrase was taught"),
                },
            }
        },
    }
