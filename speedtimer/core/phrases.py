"""The announcer's phrase names and default wording: one home for them.

The settings file names its `[phrases]` by these keys and falls back to these texts; the
announcer (announce.py) says them. Kept apart from the announcer so that reading the settings,
which the app does before its first frame, does not load the announcer and the timer it uses.
"""

from __future__ import annotations

from speedtimer.core.preset import KINDS

STEP_PHRASES = (*KINDS, "last_rep")
PHRASE_KEYS: tuple[str, ...] = (*STEP_PHRASES, "halfway", "ten_seconds", "finished")
DEFAULT_PHRASES: dict[str, str] = {
    "warmup": "Warm-up. {what}. {duration}.",
    "work": "Rep {rep} of {reps}. {what}. Go.",
    "rest": "Rest. {duration}.",
    "cooldown": "Cool-down. {duration}.",
    "last_rep": "Last rep. {what}. Go.",
    "halfway": "Halfway.",
    "ten_seconds": "10 seconds.",
    "finished": "Session complete. {reps} reps, {duration}.",
}
