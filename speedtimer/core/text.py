"""Text from files that ends up on the terminal: labels, names, notes, file names.

Textual passes a string's characters to the terminal as they are, so an ESC in a preset label
would reach the terminal as an escape sequence: clear the screen, move the cursor, set the
window title. Control characters are therefore refused where text comes in (preset files, the
quick form, history imports) with a message saying which character and where, and text the
app cannot refuse (a file's own name) is shown through `printable`, which spells them out.

Other invisible characters (zero-width joiners, right-to-left marks) are real parts of
people's writing and the terminal prints them as characters; they are kept.
"""

from __future__ import annotations

import re
import unicodedata

_NAMES = {0: "NUL", 7: "BEL", 8: "BS", 9: "TAB", 10: "LF", 13: "CR", 27: "ESC", 127: "DEL"}


def is_control(c: str) -> bool:
    """C0 and C1 control characters and DEL (Unicode category Cc)."""
    o = ord(c)
    return o < 0x20 or 0x7F <= o <= 0x9F


def describe_char(c: str) -> str:
    o = ord(c)
    name = _NAMES.get(o)
    return f"U+{o:04X} ({name})" if name else f"U+{o:04X}"


def control_char_problem(text: str, allowed: str = "") -> str | None:
    """Why `text` may not be shown, or None: names the first control character and its place."""
    for i, c in enumerate(text):
        if is_control(c) and c not in allowed:
            return (
                f"contains the control character {describe_char(c)} at character {i + 1}; "
                "text shown on screen may not hold control characters"
            )
    return None


def _unprintable(c: str) -> bool:
    return is_control(c) or 0xD800 <= ord(c) <= 0xDFFF


def _spelled(c: str) -> str:
    o = ord(c)
    if 0xDC80 <= o <= 0xDCFF:  # a byte of a file name that is not UTF-8 (surrogateescape)
        return f"\\x{o - 0xDC00:02x}"
    return f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}"


def printable(text: str) -> str:
    """`text` with every control character written out as an escape, e.g. ESC as \\x1b.

    Lone surrogates (the undecodable bytes of a file name) are spelled out too: the terminal
    cannot be sent them at all.
    """
    if not any(_unprintable(c) for c in text):
        return text
    return "".join(_spelled(c) if _unprintable(c) else c for c in text)


# Unicode's bidirectional formatting characters: on a terminal that applies bidi they reorder
# the text around them (U+202E turns "evil\u202etxt.exe" into "evilexe.txt"), so a line of
# the command line's output could show something else than it says.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def terminal_safe(text: str) -> str:
    """`text` as the command line prints it: control characters (but line ends and tabs),
    bidi formatting characters and lone surrogates written out as escapes (\\x1b, \\u202e)."""

    def unsafe(c: str) -> bool:
        return (_unprintable(c) and c not in "\n\t") or c in BIDI_CONTROLS

    if not any(unsafe(c) for c in text):
        return text
    return "".join(_spelled(c) if unsafe(c) else c for c in text)


def describe_value(value: object) -> str:
    """What a value from a file is, for an error message: `an integer (5)`, `a table ({...})`."""
    kind = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} ({text})"


MAX_STEM = 60
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{d}{n}" for d in ("com", "lpt") for n in range(10)]
)


def safe_stem(name: str) -> str:
    """A file name stem from a name (a preset's, a session's): letters, digits and dashes only.

    Path separators, `..`, leading dots and control characters cannot survive, so the file
    always lands in the folder it was meant for; names Windows reserves (`con`, `nul`,
    `com1`...) get `-preset` added, so the folder can be copied to any computer.
    """
    text = unicodedata.normalize("NFKD", name)
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    text = text[:MAX_STEM].strip("-") or "preset"
    if text in WINDOWS_RESERVED:  # con.toml cannot be made on Windows, in any folder
        text += "-preset"
    return text
