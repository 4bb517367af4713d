"""The quick one-line session form: `10:00 wu, 8x(400m lap @3:45/km, 1:30 rest)!, 10:00 cd`.

A runner at the track types a session faster than they write a TOML file, so this form is short
and forgiving about spacing, but never guesses silently: every problem is a `QuickError` that
names the column, says what was expected and shows the text with a caret under the spot.

The parser only builds the same dict a TOML file holds and hands it to `preset_from_dict`, so
the limits and rules are exactly those of preset files; a validator complaint about a key is
mapped back to the column of the text that produced it. The grammar is documented for users
in presets/README.md ("Quick sessions"); keep the two in step.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from speedtimer.core.preset import (
    MAX_DEPTH,
    MAX_TEXT,
    MILE_M,
    Preset,
    PresetError,
    Repeat,
    Step,
    preset_clock,
)
from speedtimer.formats.keypath import LAST_PART, position_of
from speedtimer.formats.preset_toml import preset_from_dict

MAX_QUICK_CHARS = 10_000
MAX_DIGITS = 12  # longer numbers are typos; int() of thousands of digits is slow or refused
MAX_FRACTION_DIGITS = 30  # enough for any float written out in full (to_quick does that)
AMBIGUOUS_M_LIMIT = 100  # a lone "Nm" under this is minutes, from it on metres (see README)
NAME_LIMIT = 80

KIND_WORDS = {
    "wu": "warmup",
    "warmup": "warmup",
    "warm-up": "warmup",
    "work": "work",
    "rest": "rest",
    "r": "rest",
    "jog": "rest",
    "rec": "rest",
    "recovery": "rest",
    "cd": "cooldown",
    "cooldown": "cooldown",
    "cool-down": "cooldown",
}
KIND_SHORT = {"warmup": "wu", "rest": "rest", "cooldown": "cd"}  # work is the default

EXPECT_STEP = (
    "a step: a duration (90, 90s, 1:30, 2m, 1h), a distance (400m, 1.5km, 1mi), lap, "
    "a kind (wu, rest, cd) or a repeat (8x(...))"
)
EXPECT_NUMBER = (
    "a duration (90, 90s, 1:30, 10:00, 2m, 1h, 1m30s), a distance (400m, 1.5km, 1mi) "
    "or a repeat count (8x)"
)
EXPECT_WORD = "lap, a kind (wu/warmup, work, rest/r/jog/rec, cd/cooldown) or x after a count"

FIELD_NAMES = {
    "repeat": "repeat count",
    "distance_m": "distance (in metres)",
    "label": "label",
    "skip_last_rest": "no-last-rest mark",
    "steps": "session",
}


class QuickError(PresetError):
    """A quick-form problem: the column (1-based), what was expected, the text with a caret.

    `column` is None when the problem is not in the text itself (a name given separately).
    """

    def __init__(self, message: str, text: str, column: int | None) -> None:
        self.text = text
        self.column = column
        super().__init__(message, None, f"column {column}" if column else "")

    def __str__(self) -> str:
        if self.column is None:
            return f"quick session: {self.message}"
        shown, caret = _caret_line(self.text, self.column)
        return f"quick session, column {self.column}: {self.message}\n  {shown}\n  {caret}"


def _caret_line(text: str, column: int, width: int = 70) -> tuple[str, str]:
    """The text (a window of it when long) on one line, and a caret under `column`."""
    flat = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    index = max(0, min(column - 1, len(flat)))
    start = max(0, index - width // 2)
    end = min(len(flat), start + width)
    start = max(0, min(start, end - width))
    shown = flat[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    before = prefix + flat[start:index]
    pad = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in before)
    return prefix + shown + suffix, " " * pad + "^"


# --- tokens ------------------------------------------------------------------------------------

_DELIMS = set(' \t\r\n\f\v,()!@"')
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$", re.ASCII)
_UNITS = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", re.ASCII)
_MIN_SEC = re.compile(r"^(\d+)m(\d{1,2})$", re.ASCII)  # 1m30
_DISTANCE = re.compile(r"^(\d+(?:\.\d+)?)(km|mi)$", re.ASCII)
_DECIMAL_M = re.compile(r"^(\d+\.\d+)m$", re.ASCII)
_REPEAT = re.compile(r"^(\d+)x$", re.ASCII)
_PACE = re.compile(r"^(\d{1,2}):(\d{2})/(km|mi)$", re.ASCII)


@dataclass
class _Tok:
    kind: str  # ( ) , ! pace label word num repeat dur dist ambig end
    col: int
    text: str = ""
    value: Any = None


def _symbol(word: str, text: str, col: int) -> str:
    """@5k, @I, @T+5s: a race-derived target, as in preset files."""
    from speedtimer.core.paces import PaceError, parse_symbol

    try:
        return parse_symbol(word).text
    except PaceError as exc:
        raise QuickError(str(exc), text, col) from None


def _tokens(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        col = i + 1
        if c.isspace():
            i += 1
        elif c in "(),!":
            toks.append(_Tok(c, col, c))
            i += 1
        elif c == '"':
            value, i = _quoted(text, i)
            toks.append(_Tok("label", col, text[col - 1 : i], value))
        elif c == "@":
            j = i + 1
            while j < n and text[j] in " \t":
                j += 1
            k = j
            while k < n and text[k] not in _DELIMS and not text[k].isspace():
                k += 1
            word = text[j:k]
            m = _PACE.match(word.lower())
            if word and ":" not in word:
                toks.append(_Tok("pace", col, text[i:k], _symbol(word, text, j + 1)))
                i = k
                continue
            if not m or int(m.group(2)) >= 60:
                got = f"got {word!r}" if word else "got nothing"
                raise QuickError(
                    f'expected a pace after "@" like @3:45/km or @6:00/mi, {got}', text, j + 1
                )
            toks.append(_Tok("pace", col, text[i:k], f"{m.group(1)}:{m.group(2)}/{m.group(3)}"))
            i = k
        elif c.isascii() and c.isalnum():
            j = i
            while j < n and text[j] not in _DELIMS and not text[j].isspace():
                j += 1
            toks.append(_classify(text[i:j], col, text))
            i = j
        else:
            raise QuickError(f"unexpected character {c!r}: expected {EXPECT_STEP}", text, col)
    toks.append(_Tok("end", n + 1))
    return toks


def _quoted(text: str, start: int) -> tuple[str, int]:
    """A label in double quotes; \\" and \\\\ are a quote and a backslash."""
    out: list[str] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
        elif c == '"':
            return "".join(out), i + 1
        else:
            out.append(c)
            i += 1
    raise QuickError('this label has no closing quote: expected a " to end it', text, start + 1)


def _classify(word: str, col: int, text: str) -> _Tok:
    low = word.lower()
    if low[0].isalpha():
        if low in KIND_WORDS:
            return _Tok("kind", col, word, KIND_WORDS[low])
        if low in ("lap", "x"):
            return _Tok(low, col, word)
        raise QuickError(f"unknown word {word!r}: expected {EXPECT_WORD}", text, col)
    for run in re.finditer(r"[0-9]+", low):
        after_point = run.start() > 0 and low[run.start() - 1] == "."
        if len(run.group()) > (MAX_FRACTION_DIGITS if after_point else MAX_DIGITS):
            raise QuickError(f"the number in {word[:20]!r} is too long", text, col)
    if m := _REPEAT.match(low):
        return _Tok("repeat", col, word, int(m.group(1)))
    if low.isascii() and low.isdigit():
        return _Tok("dur", col, word, int(low))
    if m := _CLOCK.match(low):
        hours, minutes, secs = int(m.group(1) or 0), int(m.group(2)), int(m.group(3))
        if secs >= 60 or (m.group(1) is not None and minutes >= 60):
            raise QuickError(
                f"{word!r} is not a valid time: seconds (and minutes in h:mm:ss) go to 59",
                text,
                col,
            )
        return _Tok("dur", col, word, hours * 3600 + minutes * 60 + secs)
    if m := _DISTANCE.match(low):
        scale = Decimal(1000) if m.group(2) == "km" else Decimal(str(MILE_M))
        return _Tok("dist", col, word, float(Decimal(m.group(1)) * scale))
    if m := _DECIMAL_M.match(low):
        return _Tok("dist", col, word, float(Decimal(m.group(1))))
    if m := _MIN_SEC.match(low):
        minutes, secs = int(m.group(1)), int(m.group(2))
        if secs >= 60:
            raise QuickError(f"{word!r}: seconds after the minutes go to 59", text, col)
        return _Tok("dur", col, word, minutes * 60 + secs)
    m = _UNITS.match(low)
    if m and any(m.groups()):
        h, mi, s = (int(g) if g is not None else None for g in m.groups())
        if h is None and s is None:
            return _Tok("ambig", col, word, mi)  # "2m" minutes or "400m" metres: the step decides
        if (h is not None and mi is not None and mi >= 60) or (
            s is not None and s >= 60 and (h is not None or mi is not None)
        ):
            raise QuickError(
                f"{word!r}: minutes and seconds after a bigger unit go to 59", text, col
            )
        return _Tok("dur", col, word, (h or 0) * 3600 + (mi or 0) * 60 + (s or 0))
    raise QuickError(f"expected {EXPECT_NUMBER}, got {word!r}", text, col)


def _clock(seconds: int) -> int | str:
    """As a preset file would say it, so a validator message quotes "25:00:00", not 90000."""
    return preset_clock(seconds)


# --- parse tree --------------------------------------------------------------------------------


@dataclass
class _StepNode:
    col: int
    data: dict[str, Any] = field(default_factory=dict)
    cols: dict[str, int] = field(default_factory=dict)


@dataclass
class _BlockNode:
    col: int
    count: int
    items: list[_StepNode | _BlockNode]
    body_col: int
    skip_col: int | None = None
    label: str | None = None
    label_col: int | None = None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.pos = 0

    def peek(self, ahead: int = 0) -> _Tok:
        return self.toks[min(self.pos + ahead, len(self.toks) - 1)]

    def take(self) -> _Tok:
        tok = self.peek()
        self.pos += 1
        return tok

    def fail(self, message: str, tok: _Tok) -> QuickError:
        return QuickError(message, self.text, tok.col)

    def got(self, tok: _Tok) -> str:
        return "got the end of the text" if tok.kind == "end" else f"got {tok.text!r}"

    def session(self) -> list[_StepNode | _BlockNode]:
        items = self.sequence(depth=0)
        tok = self.peek()
        if tok.kind == ")":
            raise self.fail('unexpected ")": no repeat block is open here', tok)
        if tok.kind == "!":
            raise self.fail('unexpected "!": it goes right after a repeat, e.g. 8x(...)!', tok)
        if tok.kind != "end":
            raise self.fail(f'expected "," before the next step, {self.got(tok)}', tok)
        return items

    def sequence(self, depth: int) -> list[_StepNode | _BlockNode]:
        items = [self.item(depth)]
        while self.peek().kind == ",":
            self.take()
            items.append(self.item(depth))
        return items

    def starts_repeat(self, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok.kind == "repeat" or (
            tok.kind == "dur" and tok.text.isdigit() and self.peek(ahead + 1).kind == "x"
        )

    def item(self, depth: int) -> _StepNode | _BlockNode:
        tok = self.peek()
        if tok.kind == "label" and self.starts_repeat(1):
            label_tok = self.take()
            block = self.block(depth)
            block.label, block.label_col = label_tok.value, label_tok.col
            return block
        if self.starts_repeat():
            return self.block(depth)
        return self.step()

    def block(self, depth: int) -> _BlockNode:
        count_tok = self.take()
        if count_tok.kind == "dur":
            self.take()  # the separate "x" of "8 x (...)"
        if depth >= MAX_DEPTH:
            raise self.fail(f"repeat blocks nest deeper than the limit of {MAX_DEPTH}", count_tok)
        count = count_tok.value
        body = self.peek()
        if body.kind == "(":
            self.take()
            items = self.sequence(depth + 1)
            close = self.peek()
            if close.kind != ")":
                raise self.fail(
                    f'expected "," or ")" to close the repeat opened at column {body.col}, '
                    f"{self.got(close)}",
                    close,
                )
            self.take()
        elif body.kind in ("end", ",", ")", "!"):
            raise self.fail(
                f"expected what to repeat after {count_tok.text!r}: a step (6x 20s) "
                f"or steps in brackets (8x(400m lap, 1:30 rest)), {self.got(body)}",
                body,
            )
        else:
            items = [self.item(depth + 1)]
        block = _BlockNode(col=count_tok.col, count=count, items=items, body_col=body.col)
        if self.peek().kind == "!":
            block.skip_col = self.take().col
        return block

    def step(self) -> _StepNode:
        first = self.peek()
        if first.kind in ("end", ",", ")", "!"):
            raise self.fail(f"expected {EXPECT_STEP}, {self.got(first)}", first)
        node = _StepNode(col=first.col)
        durs: list[_Tok] = []
        dists: list[_Tok] = []
        ambig: list[_Tok] = []
        seen: dict[str, _Tok] = {}
        while self.peek().kind not in ("end", ",", ")", "!"):
            tok = self.take()
            if tok.kind == "dur":
                durs.append(tok)
            elif tok.kind == "dist":
                dists.append(tok)
            elif tok.kind == "ambig":
                ambig.append(tok)
            elif tok.kind in ("kind", "lap", "pace", "label"):
                if tok.kind in seen:
                    raise self.fail(
                        f"a step has one {tok.kind}; this is a second one "
                        f"(the first is at column {seen[tok.kind].col})",
                        tok,
                    )
                seen[tok.kind] = tok
            elif tok.kind in ("repeat", "x"):
                raise self.fail(
                    'a repeat starts its own item: put a "," before it, e.g. 10:00 wu, 6x 20s',
                    tok,
                )
            elif tok.kind == "(":
                raise self.fail('unexpected "(": a block starts with a count, e.g. 8x(...)', tok)
            else:  # pragma: no cover - every token kind is handled above
                raise self.fail(f"expected {EXPECT_STEP}, {self.got(tok)}", tok)
        if len(durs) > 1:
            raise self.fail(
                f"a step has one duration; this is a second one (the first is at column "
                f"{durs[0].col})",
                durs[1],
            )
        decided = bool(durs or dists or "lap" in seen or "pace" in seen)
        if ambig:
            if decided or len(ambig) > 1 or ambig[0].value >= AMBIGUOUS_M_LIMIT:
                dists += ambig  # metres
            else:
                durs.append(_Tok("dur", ambig[0].col, ambig[0].text, ambig[0].value * 60))
        if len(dists) > 1:
            ambiguous = [t for t in dists if t.kind == "ambig"]
            if ambiguous:
                bad = min(ambiguous, key=lambda t: t.value)
                other = next(t for t in dists if t is not bad)
                raise self.fail(
                    f"{bad.text!r} reads as metres here, and a step has one distance (it "
                    f"already has {other.text!r} at column {other.col}); for minutes write "
                    f"{bad.value}:00",
                    bad,
                )
            raise self.fail(
                f"a step has one distance; this is a second one (the first is at column "
                f"{dists[0].col})",
                dists[1],
            )
        if durs and "lap" in seen:
            raise self.fail(
                "a step is either timed or ended by lap, not both "
                f"(it has the time {durs[0].text!r} at column {durs[0].col})",
                seen["lap"],
            )
        if not durs and "lap" not in seen and not dists:
            raise self.fail(
                "this step needs a duration (90, 1:30, 2m) or lap (or a distance, which "
                "makes it a lap step)",
                first,
            )
        if "pace" in seen and not dists:
            raise self.fail(
                "a pace needs a distance in the same step to give a target time, "
                "e.g. 400m lap @3:45/km",
                seen["pace"],
            )
        d, cols = node.data, node.cols
        kind_tok = seen.get("kind")
        d["kind"] = kind_tok.value if kind_tok else "work"
        cols["kind"] = kind_tok.col if kind_tok else first.col
        if "label" in seen:
            d["label"], cols["label"] = seen["label"].value, seen["label"].col
        if durs:
            d["duration"], cols["duration"] = _clock(durs[0].value), durs[0].col
        else:
            d["until"] = "lap"
            cols["until"] = seen["lap"].col if "lap" in seen else dists[0].col
        if dists:
            dist = dists[0]
            metres = dist.value if dist.kind == "dist" else float(dist.value)
            d["distance_m"] = int(metres) if float(metres).is_integer() else metres
            cols["distance_m"] = dist.col
        if "pace" in seen:
            d["target_pace"], cols["target_pace"] = seen["pace"].value, seen["pace"].col
        return node


# --- to the validator and back -----------------------------------------------------------------


def _to_dicts(
    items: list[_StepNode | _BlockNode], prefix: str, spans: dict[str, int]
) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(items):
        key = f"{prefix}[{i}]"
        spans[key] = item.col
        if isinstance(item, _StepNode):
            for name, col in item.cols.items():
                spans[f"{key}.{name}"] = col
            out.append(dict(item.data))
            continue
        d: dict[str, Any] = {"repeat": item.count}
        spans[f"{key}.repeat"] = item.col
        if item.skip_col is not None:
            d["skip_last_rest"] = True
            spans[f"{key}.skip_last_rest"] = item.skip_col
        if item.label is not None:
            d["label"] = item.label
            spans[f"{key}.label"] = item.label_col or item.col
        spans[f"{key}.steps"] = item.body_col
        d["steps"] = _to_dicts(item.items, f"{key}.steps", spans)
        out.append(d)
    return out


def default_name(text: str) -> str:
    """The session's own text, so the history shows what was run."""
    flat = " ".join(text.split())
    name = f"Quick: {flat}"
    return name if len(name) <= NAME_LIMIT else name[: NAME_LIMIT - 1] + "…"


def parse_quick(
    text: str,
    *,
    name: str | None = None,
    category: str = "custom",
    description: str | None = None,
) -> Preset:
    """A validated `Preset` from the quick form; every problem is a `QuickError`."""
    if not isinstance(text, str):
        raise QuickError(f"expected the session as text, got {type(text).__name__}", "", None)
    if len(text) > MAX_QUICK_CHARS:
        raise QuickError(
            f"the session is {len(text)} characters long; the quick form is limited to "
            f"{MAX_QUICK_CHARS}",
            text,
            MAX_QUICK_CHARS + 1,
        )
    if not text.strip():
        raise QuickError(f"the session is empty: expected {EXPECT_STEP}", text, 1)
    items = _Parser(text).session()
    spans: dict[str, int] = {"steps": 1}
    data: dict[str, Any] = {
        "name": default_name(text) if name is None else name,
        "category": category,
        "description": f"Quick session: {' '.join(text.split())}"[:MAX_TEXT]
        if description is None
        else description,
        "steps": _to_dicts(items, "steps", spans),
    }
    try:
        return preset_from_dict(data)
    except PresetError as exc:
        if exc.key.startswith("steps"):
            last = LAST_PART.search(exc.key)
            field_name = last.group(0).lstrip(".") if last else ""
            what = FIELD_NAMES.get(field_name)
            message = exc.message.replace("skip_last_rest", '"!" (no last rest)')
            message = f"{what}: {message}" if what else message
            raise QuickError(message, text, position_of(exc.key, spans) or 1) from None
        message = f"{exc.key}: {exc.message}" if exc.key else exc.message
        raise QuickError(message, text, None) from None


# --- the other way: a preset as one line -------------------------------------------------------


def _decimal_text(x: float) -> str:
    """Shortest text that reads back as exactly `x`, never in exponent form."""
    if float(x).is_integer():
        return str(int(x))
    return format(Decimal(repr(float(x))), "f")


def _quote(label: str) -> str:
    return '"' + label.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _duration_text(seconds: int) -> str:
    text = preset_clock(seconds)
    return f"{text}s" if isinstance(text, int) else text


def _step_text(step: Step) -> str:
    from speedtimer.formats.preset_save import format_target_pace

    parts = ["lap" if step.duration_s is None else _duration_text(step.duration_s)]
    if step.kind != "work":
        parts.append(KIND_SHORT[step.kind])
    if step.distance_m is not None:
        # Every step written here has a time or "lap", so "400m" always reads back as metres.
        parts.append(f"{_decimal_text(step.distance_m)}m")
    pace = step.pace_symbol or format_target_pace(step)
    if pace is not None:
        parts.append(f"@{pace}")
    if step.label:
        parts.append(_quote(step.label))
    return " ".join(parts)


def _item_text(item: Step | Repeat) -> str:
    if isinstance(item, Step):
        return _step_text(item)
    inner = ", ".join(_item_text(i) for i in item.steps)
    label = f"{_quote(item.label)} " if item.label else ""
    bang = "!" if item.skip_last_rest else ""
    return f"{label}{item.count}x({inner}){bang}"


def to_quick(preset: Preset) -> str:
    """The preset's steps in the quick form; `parse_quick` reads it back to the same steps.

    Name, description, category, tags, countdown and halfway are not part of the quick form.
    """
    return ", ".join(_item_text(i) for i in preset.steps)
