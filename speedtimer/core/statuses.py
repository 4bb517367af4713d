"""One name for each session status, the same on every screen and in every file.

The history database keeps its short codes (`completed`, `aborted`, `interrupted`,
`in_progress`), so existing databases need no rewrite. Everything a person or another program
reads says the words below instead: the summary, the history list and detail, `history list`,
CSV and JSON exports and the plain mode. Imports accept the words, the codes (files exported
before the words existed) and underscores for spaces.
"""

from __future__ import annotations

# code (what the database stores) -> the word everyone sees; one home for these words
STATUS_WORDS: dict[str, str] = {
    "completed": "completed",
    "aborted": "ended early",
    "interrupted": "interrupted",
    "in_progress": "in progress",
}
_CODES = {word: code for code, word in STATUS_WORDS.items()}


def status_word(code: str) -> str:
    """The word for a stored status code; an unknown code is shown as it is, spaced."""
    return STATUS_WORDS.get(code, code.replace("_", " "))


def status_code(text: str) -> str | None:
    """The stored code for a status word or code from a file, or None if it names none.

    "ended early", "ended_early", "Ended Early" and the older "aborted" are all `aborted`."""
    key = " ".join(text.strip().casefold().replace("_", " ").split())
    if key.replace(" ", "_") in STATUS_WORDS:
        return key.replace(" ", "_")
    return _CODES.get(key)
