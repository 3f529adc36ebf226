"""The web console's part of the edge's OpenAPI document (merged by ``assistant.openapi``)."""

from __future__ import annotations

from typing import Any

from assistant.openapi_parts import error, json_body, json_response, path_parameter

OBJECT: dict[str, Any] = {"type": "object"}
REPLY = json_response(
    "What Jarvis would say about it",
    {"type": "object", "required": ["reply"], "properties": {"reply": {"type": "string"}}},
)
BODY_ERRORS = {
    "400": error("Malformed JSON, or a missing, blank or invalid field"),
    "413": error("The body is larger than 16 KiB"),
    "415": error("The body is not application/json"),
}
CLOUD_ERRORS = {"502": error("The cloud brain cannot be reached just now")}
TEXT = {"type": "string", "minLength": 1, "maxLength": 1000}
DELETED = json_response(
    "Removed",
    {"type": "object", "required": ["deleted"], "properties": {"deleted": {"type": "integer"}}},
)

SCHEMAS: dict[str, Any] = {
    "ConsoleState": {
        "type": "object",
        "required": ["now", "device", "listening", "timers", "notes", "lists"],
        "properties": {
            "now": {"type": "number", "description": "The edge's clock, seconds since the epoch"},
            "device": {"$ref": "#/components/schemas/Status"},
            "listening": {
                "type": "object",
                "required": ["state", "muted", "microphone"],
                "properties": {
                    "state": {
                        "type": "string",
                        "enum": [
                            "off",
                            "muted",
                            "lost",
                            "waiting",
                            "listening",
                            "thinking",
                            "speaking",
                        ],
                        "description": "'off': no microphone (text only); 'lost': the "
                        "microphone stopped by itself (unplugged) and is being opened again",
                    },
                    "muted": {"type": "boolean"},
                    "microphone": {"type": "boolean"},
                    "microphone_lost": {
                        "type": "string",
                        "nullable": True,
                        "description": "Why the microphone stopped by itself ('USB Mic sent "
                        "no sound for 3 s', 'no microphone found: …'), until it is open again",
                    },
                    "speaker": {
                        "type": "boolean",
                        "description": "Whether replies are spoken aloud here (false: shown "
                        "only, until a speaker is plugged in)",
                    },
                    "wake_word": {"type": "string", "nullable": True},
                    "wake_sensitivity": {
                        "type": "string",
                        "enum": ["normal", "high", "strict", None],
                        "nullable": True,
                    },
                    "wake_companion": {
                        "type": "string",
                        "nullable": True,
                        "description": "The second detector that also wakes Jarvis, if any",
                    },
                    "wake_check": {
                        "type": "string",
                        "nullable": True,
                        "description": "'whisper check' when whisper's encoder also hears the "
                        "phrase on steps the detector half believes",
                    },
                    "wake_slowed": {
                        "type": "string",
                        "nullable": True,
                        "description": "'slowed detector' when the heads hear a phrase they "
                        "nearly believed again, slowed down (a phrase said fast)",
                    },
                    "enrolled_voices": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Whose voices the wake word was enrolled for and uses",
                    },
                    "last_wake": {
                        "type": "object",
                        "nullable": True,
                        "description": "When Jarvis last woke (since start-up) and which ear "
                        "heard the phrase: its detector, the whisper check, microWakeWord or "
                        "the slowed detector (its heads on the audio slowed down)",
                        "required": ["at", "by", "score", "voice"],
                        "properties": {
                            "at": {"type": "number", "description": "Seconds since the epoch"},
                            "by": {
                                "type": "string",
                                "description": "'detector', 'whisper check', 'microWakeWord' or "
                                "'slowed detector'",
                            },
                            "score": {"type": "number"},
                            "voice": {
                                "type": "string",
                                "nullable": True,
                                "description": "The enrolled voice it woke for, if that is how",
                            },
                        },
                    },
                    "last_near_miss": {
                        "type": "object",
                        "nullable": True,
                        "description": "When the wake word's detector last fired and a check "
                        "said no, so Jarvis stayed asleep (since start-up; scores only)",
                        "required": ["at", "rejected_by", "score", "verifier_score", "checked"],
                        "properties": {
                            "at": {"type": "number", "description": "Seconds since the epoch"},
                            "rejected_by": {
                                "type": "string",
                                "enum": ["verifier", "whisper check"],
                            },
                            "score": {"type": "number", "description": "The detector's score"},
                            "verifier_score": {"type": "number"},
                            "checked": {
                                "type": "number",
                                "nullable": True,
                                "description": "The whisper check's probability, when it said no",
                            },
                        },
                    },
                    "satellites": {
                        "type": "array",
                        "description": "The Wyoming satellites it listens through "
                        "(JARVIS_WYOMING_SATELLITES), each with its own mute switch",
                        "items": {
                            "type": "object",
                            "required": ["uri", "connected", "muted"],
                            "properties": {
                                "uri": {"type": "string", "description": "As configured"},
                                "connected": {"type": "boolean"},
                                "muted": {
                                    "type": "boolean",
                                    "description": "Jarvis hung up on it and does not dial it",
                                },
                            },
                        },
                    },
                },
            },
            "timers": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "label", "state", "duration_s", "ends_at", "left_s"],
                    "properties": {
                        "id": {"type": "string"},
                        "label": {"type": "string"},
                        "name": {"type": "string", "nullable": True},
                        "state": {"type": "string", "enum": ["running", "paused"]},
                        "duration_s": {"type": "number"},
                        "ends_at": {"type": "number", "nullable": True},
                        "left_s": {"type": "number"},
                    },
                },
            },
            "alarms": {
                "type": "array",
                "items": OBJECT,
                "description": "Present where this edge has the alarm skill",
            },
            "notes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "text"],
                    "properties": {"id": {"type": "integer"}, "text": {"type": "string"}},
                },
            },
            "lists": {
                "type": "object",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "item"],
                        "properties": {"id": {"type": "integer"}, "item": {"type": "string"}},
                    },
                },
            },
        },
    },
}


def console_paths() -> dict[str, Any]:
    """The paths of the page and of every ``/v1/console`` route."""
    return {
        "/": {
            "get": {
                "operationId": "getConsolePage",
                "summary": "The web console (HTML; needs no token, holds no data)",
                "security": [{}],
                "responses": {
                    "200": {
                        "description": "The page",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/v1/console/state": {
            "get": {
                "operationId": "getConsoleState",
                "summary": "Timers, alarms, lists, notes, the listening state and the cloud link",
                "responses": {
                    "200": json_response("The state", {"$ref": "#/components/schemas/ConsoleState"})
                },
            }
        },
        "/v1/console/history": {
            "get": {
                "operationId": "getConsoleHistory",
                "summary": "The latest utterances, oldest first",
                "responses": {
                    "200": json_response(
                        "Utterances",
                        {
                            "type": "object",
                            "required": ["utterances"],
                            "properties": {
                                "utterances": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Utterance"},
                                }
                            },
                        },
                    )
                },
            }
        },
        "/v1/console/timers/{timer_id}/{action}": {
            "post": {
                "operationId": "actOnTimer",
                "summary": "Pause, resume or cancel one timer",
                "parameters": [
                    path_parameter("timer_id"),
                    path_parameter(
                        "action", {"type": "string", "enum": ["pause", "resume", "cancel"]}
                    ),
                ],
                "responses": {"200": REPLY, "404": error("No timer has that id, or no action")},
            }
        },
        "/v1/console/notes": {
            "post": {
                "operationId": "addNote",
                "summary": "Take a note",
                "requestBody": json_body(
                    {"type": "object", "required": ["text"], "properties": {"text": TEXT}}
                ),
                "responses": {"201": REPLY, **BODY_ERRORS},
            }
        },
        "/v1/console/notes/{note_id}": {
            "delete": {
                "operationId": "deleteNote",
                "summary": "Remove a note",
                "parameters": [path_parameter("note_id", {"type": "integer", "minimum": 1})],
                "responses": {"200": DELETED, "404": error("No note has that id")},
            }
        },
        "/v1/console/lists/{list}/items": {
            "post": {
                "operationId": "addListItem",
                "summary": "Add an item to a list",
                "parameters": [path_parameter("list")],
                "requestBody": json_body(
                    {"type": "object", "required": ["item"], "properties": {"item": TEXT}}
                ),
                "responses": {"201": REPLY, "404": error("No such route"), **BODY_ERRORS},
            }
        },
        "/v1/console/lists/items/{item_id}": {
            "delete": {
                "operationId": "tickOffListItem",
                "summary": "Take an item off its list",
                "parameters": [path_parameter("item_id", {"type": "integer", "minimum": 1})],
                "responses": {"200": DELETED, "404": error("No list item has that id")},
            }
        },
        "/v1/console/listening": {
            "put": {
                "operationId": "setMuted",
                "summary": "Mute (close the microphone, or hang up on a satellite) or unmute; "
                "kept across restarts",
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["muted"],
                        "properties": {
                            "muted": {"type": "boolean"},
                            "satellite": {
                                "type": "string",
                                "nullable": True,
                                "description": "A Wyoming satellite's address as configured; "
                                "absent or null: this edge's microphone",
                            },
                        },
                    }
                ),
                "responses": {
                    "200": json_response("The listening state", OBJECT),
                    "404": error("No satellite has that address"),
                    **BODY_ERRORS,
                },
            }
        },
        "/v1/console/listening/events": {
            "get": {
                "operationId": "streamListening",
                "summary": "Server-Sent Events: a `listening` event now and at each change",
                "responses": {
                    "200": {
                        "description": "An endless event stream",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/v1/console/utterances/{id}/trace": {
            "get": {
                "operationId": "getUtteranceTrace",
                "summary": "The edge's and the cloud's events of one utterance, by time",
                "parameters": [path_parameter("id")],
                "responses": {
                    "200": json_response(
                        "The timeline",
                        {
                            "type": "object",
                            "required": ["trace_id", "events"],
                            "properties": {
                                "trace_id": {"type": "string"},
                                "events": {"type": "array", "items": OBJECT},
                                "cloud_problem": {"type": "string", "nullable": True},
                            },
                        },
                    ),
                    "404": error("No utterance has that id"),
                },
            }
        },
        "/v1/console/missions": {
            "get": {
                "operationId": "getConsoleMissions",
                "summary": "This device's missions, unfinished first (from the cloud)",
                "responses": {"200": json_response("Missions", OBJECT), **CLOUD_ERRORS},
            }
        },
        "/v1/console/missions/{mission_id}": {
            "get": {
                "operationId": "getConsoleMission",
                "summary": "One mission with its steps and checkpoints (from the cloud)",
                "parameters": [path_parameter("mission_id")],
                "responses": {
                    "200": json_response("The mission", OBJECT),
                    "404": error("This device has no such mission, or no cloud is configured"),
                    **CLOUD_ERRORS,
                },
            }
        },
        "/v1/console/missions/{mission_id}/cancel": {
            "post": {
                "operationId": "cancelConsoleMission",
                "summary": "Stop one of this device's unfinished missions",
                "parameters": [path_parameter("mission_id")],
                "responses": {
                    "200": json_response("The mission, now cancelled", OBJECT),
                    "404": error("This device has no such mission, or no cloud is configured"),
                    "409": error("The mission has ended already"),
                    **CLOUD_ERRORS,
                },
            }
        },
        "/v1/console/talk": {
            "get": {
                "operationId": "talkSocket",
                "summary": "Browser push-to-talk: a WebSocket (see assistant/console/talk.py); "
                "the token, where one is set, comes in its first message",
                "security": [{}],
                "responses": {
                    "101": {"description": "Switched to the WebSocket protocol"},
                    "400": error("Not a WebSocket upgrade request"),
                    "403": error("No Origin, another site's Origin, or a foreign Host"),
                },
            }
        },
        "/v1/console/devices": {
            "get": {
                "operationId": "getConsoleDevices",
                "summary": "The devices of this cloud and whether each is connected",
                "responses": {"200": json_response("Devices", OBJECT), **CLOUD_ERRORS},
            }
        },
    }
