"""The quick one-line form against text that tries to break it: every bundled preset's quick
form mutated character by character, any Unicode, control characters, very long and very
deeply nested text. Only ever a preset, or a QuickError that names a column in the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from speedtimer.core.preset import PresetError
from speedtimer.core.schedule import build_schedule
from speedtimer.formats.preset_toml import load_preset
from speedtimer.formats.quick import MAX_QUICK_CHARS, QuickError, parse_quick, to_quick
from tests.conftest import REPO
from tests.reliability import tried

VALID = [to_quick(load_preset(p)) for p in sorted((REPO / "presets").glob("*.toml"))]
PIECES = st.sampled_from(
    list("0123456789:,()!@\"x \\") + ["m", "s", "h", "km", "mi", "/km", "lap", "rest", "wu",
     "cd", "\x1b", "\x00", "\u202e", "\u200b", "走", "١", "²", "\ud7ff", "\n", "1" * 30]
)  # fmt: skip
FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_error(text: str) -> None:
    """A preset that runs, or a QuickError pointing into the text; nothing else."""
    try:
        preset = parse_quick(text)
    except QuickError as exc:
        rendered = str(exc)
        assert rendered.startswith("quick session")
        assert exc.column is None or 1 <= exc.column <= len(text) + 1, (exc.column, len(text))
        if exc.column is not None:  # the caret line shows no control character raw
            shown = rendered.split("\n", 1)[1]
            assert not any(ord(c) < 0x20 and c != "\n" for c in shown)
        return
    except PresetError as exc:  # pragma: no cover - the failure this test exists to catch
        raise AssertionError(f"a PresetError that is not a QuickError: {exc!r}") from exc
    assert build_schedule(preset).steps


@st.composite
def mutated_quick(draw) -> str:
    text = list(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "swap", "repeat"]))
        at = draw(st.integers(0, max(0, len(text) - 1)))
        if op == "replace" and text:
            text[at] = draw(PIECES)
        elif op == "insert":
            text.insert(at, draw(PIECES))
        elif op == "delete" and text:
            del text[at : at + draw(st.integers(1, 10))]
        elif op == "swap" and len(text) > 1:
            j = draw(st.integers(0, len(text) - 1))
            text[at], text[j] = text[j], text[at]
        else:
            text[at:at] = text[at : at + draw(st.integers(1, 30))] * draw(st.integers(1, 5))
    return "".join(text)


@tried(
    "Quick one-line form",
    "the quick form of every bundled preset, mutated: characters replaced, inserted (digits, "
    "brackets, quotes, units, ESC, NUL, RTL override, zero-width, CJK, Arabic and superscript "
    "digits, 30-digit numbers), deleted, swapped, stretches repeated",
    "a preset that runs, or a QuickError with a column inside the text and a caret line "
    "without raw control characters; nothing else raised",
)
@FUZZ
@given(mutated_quick())
def test_mutated_quick_sessions_parse_or_point_at_a_column(text):
    parse_or_error(text)


@tried(
    "Quick one-line form",
    "text built from the grammar's own pieces, up to 80 of them; and any Unicode text",
    "a preset that runs, or a QuickError with a column inside the text; nothing else raised",
)
@FUZZ
@given(st.one_of(st.lists(PIECES, max_size=80).map("".join), st.text(max_size=200)))
def test_pieces_and_any_unicode_parse_or_point_at_a_column(text):
    parse_or_error(text)


@tried(
    "Quick one-line form",
    "very long and very deep text: 10,000 characters of steps, a 10,000-digit number, 3,000 "
    "nested '8x(', 5,000 ')', 3,000 steps, nine nested repeats, 12,000 characters",
    "each parses or is refused by column; nine repeats refused at the ninth with the depth "
    "limit; 12,000 characters refused as 'limited to 10000'; no RecursionError",
    cases=7,
)
def test_long_and_deep_text_is_refused_by_column():
    steps = ", ".join(["1:00 rest"] * 1000)
    parse_or_error(steps[:MAX_QUICK_CHARS])
    for text in (
        "1" * MAX_QUICK_CHARS,
        "8x(" * 3000 + "1:00" + ")" * 3000,
        ")" * 5000,
        ", ".join(["20s"] * 3000)[:MAX_QUICK_CHARS],
    ):
        parse_or_error(text)
    deep = "2x(" * 9 + "1:00" + ")" * 9
    try:
        parse_quick(deep)
    except QuickError as exc:
        assert "nest deeper than the limit of 8" in exc.message and exc.column == 25
    else:  # pragma: no cover
        raise AssertionError("nine nested repeats were accepted")
    try:
        parse_quick("1:00, " * 2000)
    except QuickError as exc:
        assert "limited to 10000" in exc.message
    else:  # pragma: no cover
        raise AssertionError("text over the limit was accepted")
