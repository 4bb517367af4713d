"""Key paths (`steps[2].steps[0].duration`) back to where they were written.

Every text format that builds a preset (the quick grammar, intervals.icu text) records where
each key path came from (a column, a line) while it builds the dict, then hands the dict to the
one validator. When the validator refuses a key, the nearest recorded position of that key or
of the node around it says where to point in the user's text.
"""

from __future__ import annotations

import re

LAST_PART = re.compile(r"(?:\.[A-Za-z_]+|\[\d+\])$")


def position_of(key: str, spans: dict[str, int]) -> int | None:
    """The recorded position of `key`, else of the nearest node that holds it; None if none."""
    while key:
        if key in spans:
            return spans[key]
        shorter = LAST_PART.sub("", key)
        if shorter == key:
            return None
        key = shorter
    return None
