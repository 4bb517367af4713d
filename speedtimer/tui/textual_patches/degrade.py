"""How a patch steps aside: one log line, and Textual's own behaviour from then on."""

from __future__ import annotations

import logging

PINNED_TEXTUAL = "8.2.8"

log = logging.getLogger("speedtimer.textual_patches")
_said: set[str] = set()


def degraded(patch: str, why: str) -> None:
    """One log line per patch and run: the patch is off, Textual's own behaviour applies."""
    if patch in _said:
        return
    _said.add(patch)
    log.warning(
        "textual patch %r is off (%s): Textual's own behaviour applies; this Textual is not "
        "the %s speedtimer was written against",
        patch,
        why,
        PINNED_TEXTUAL,
    )
