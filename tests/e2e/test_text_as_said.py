"""What a person dictates is stored and read back as said: case, digits, punctuation."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from edges import JARVIS, EdgeProcess, edge_environment
from processes import post
from ups import start_up

pytestmark = pytest.mark.slow

NOTE = "Call Dr. O'Brien at 555-1234; ask about the MRI"


def test_a_note_is_read_back_verbatim(edge: EdgeProcess) -> None:
    """A dictated note comes back from "read my notes" with every character it had."""
    _, added = post(edge.url, f"take a note: {NOTE}")
    _, read = post(edge.url, "read my notes")
    assert added["reply"] == f"Noted: {NOTE}."
    assert read["reply"] == f"You have 1 note: {NOTE}."


def test_list_items_keep_their_case_and_punctuation(edge: EdgeProcess) -> None:
    """ "Ben & Jerry's" and "Jean-Luc's party" are listed as said; removing ignores case."""
    post(edge.url, "add Ben & Jerry's to my shopping list")
    post(edge.url, "add Jean-Luc's party to my shopping list")
    post(edge.url, "remove jean-luc's party from my shopping list")
    _, shown = post(edge.url, "what's on my shopping list")
    assert shown["reply"] == "Your shopping list has 1 item: Ben & Jerry's."


def test_a_reminder_is_set_with_its_words_as_said(data_dir: Path) -> None:
    """The cloud answers a reminder with the person's own words, not lowercased ones."""
    up = start_up(data_dir)
    try:
        said = subprocess.run(
            [
                JARVIS,
                "say",
                "remind me in 2 hours to call Dr. O'Brien at 555-1234",
                "--url",
                up.url,
            ],
            env=edge_environment(data_dir),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        assert up.stop() == 0
    assert said.returncode == 0, said.stderr
    assert "to call Dr. O'Brien at 555-1234" in said.stdout.splitlines()[-1]
