"""Race-derived training paces: the Daniels–Gilbert model (Oxygen Power, 1979).

Coaches set speed work from a recent race ("5k pace", "I pace"), not from a number typed into
every preset. This module turns one race result into a VDOT, the equivalent times at the other
race distances, and the training paces E/M/T/I/R, and resolves a preset's symbolic target
("5k-2s", "T+5s") into an absolute pace for a given VDOT.

Pure: no clock, no files, no Textual; every function takes numbers and returns numbers. Parsing
of the race text a runner types ("5k 19:57", "half 1:31:35") lives here too, so the CLI, the
settings file and the TUI share one grammar and one set of error messages.

Units: the published equations take v in metres per minute and t in minutes; everything this
module returns is in seconds (race times) or seconds per kilometre (paces).
"""

from __future__ import annotations

import math
import re

MILE_M = 1609.344
MARATHON_M = 42195.0
HALF_M = 21097.5

# Equivalent-time table: the distances `speedtimer paces` prints, in this order.
RACE_DISTANCES: dict[str, float] = {
    "1500m": 1500.0,
    "mile": MILE_M,
    "3k": 3000.0,
    "5k": 5000.0,
    "10k": 10000.0,
    "half": HALF_M,
    "marathon": MARATHON_M,
}
# What a preset's target_pace may name: the training zones and the race distances up to the
# half (a marathon-pace target is "M").
ZONES = ("E", "M", "T", "I", "R")
TARGET_RACES = ("1500m", "mile", "3k", "5k", "10k", "half")
SYMBOLS = ZONES + TARGET_RACES

MIN_DISTANCE_M = 1500.0
MAX_DISTANCE_M = MARATHON_M
MIN_VDOT = 20.0
MAX_VDOT = 90.0
MAX_OFFSET_S = 120  # "5k-2s": an offset beyond two minutes per km is a typo, not a target

# Fractions of VDOT for the training zones (Daniels' Running Formula tables, as public
# implementations compute them).
E_FAST = 0.7346
E_SLOW = 0.6304
T_FRACTION = 0.8799
I_FRACTION = 0.9743


class PaceError(ValueError):
    """A race or target the model cannot use; the message says what was expected."""


# --- the equations -------------------------------------------------------------------------


def vo2(v_m_per_min: float) -> float:
    """Oxygen cost (ml/kg/min) of running at v metres per minute."""
    return -4.60 + 0.182258 * v_m_per_min + 0.000104 * v_m_per_min**2


def fraction_of_max(t_min: float) -> float:
    """Fraction of VO2max a runner sustains for t minutes."""
    return 0.8 + 0.1894393 * math.exp(-0.012778 * t_min) + 0.2989558 * math.exp(-0.1932605 * t_min)


def velocity_for_vo2(oxygen: float) -> float:
    """The v (m/min) whose oxygen cost is `oxygen`: the positive root of the VO2 quadratic."""
    a, b, c = 0.000104, 0.182258, -4.60 - oxygen
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


def vdot_of(distance_m: float, time_s: float) -> float:
    """VDOT from a race: VO2 at race speed over the fraction sustainable for its duration."""
    t_min = time_s / 60
    return vo2(distance_m / t_min) / fraction_of_max(t_min)


def race_time_s(vdot: float, distance_m: float) -> float:
    """The time (s) at `distance_m` that gives the same VDOT (bisection; VDOT falls with t)."""
    lo, hi = 1.0, 24 * 3600.0  # seconds; every modelled race lies well inside
    for _ in range(80):
        mid = (lo + hi) / 2
        if vdot_of(distance_m, mid) > vdot:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _pace_at_fraction(vdot: float, fraction: float) -> float:
    return 60_000 / velocity_for_vo2(vdot * fraction)


class _Value:
    """A small immutable value compared by its fields. Plain classes rather than dataclasses
    or named tuples: `speedtimer paces` must start fast, and those cost an `inspect` import or
    an `exec` each at import time."""

    __slots__: tuple[str, ...] = ()

    def __init__(self, *values: object) -> None:
        for name, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _fields(self) -> tuple:
        return tuple(getattr(self, n) for n in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields() == self._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({inner})"


class TrainingPaces(_Value):
    """Seconds per km for each zone; E is a range (fast, slow)."""

    __slots__ = ("vdot", "easy", "marathon", "threshold", "interval", "repetition")
    vdot: float
    easy: tuple[float, float]
    marathon: float
    threshold: float
    interval: float
    repetition: float

    def __init__(
        self,
        vdot: float,
        easy: tuple[float, float],
        marathon: float,
        threshold: float,
        interval: float,
        repetition: float,
    ) -> None:
        super().__init__(vdot, easy, marathon, threshold, interval, repetition)

    def zone(self, name: str) -> tuple[float, float]:
        """(fast, slow) for a zone; single paces have fast == slow."""
        if name == "E":
            return self.easy
        value = {
            "M": self.marathon,
            "T": self.threshold,
            "I": self.interval,
            "R": self.repetition,
        }[name]
        return (value, value)


def training_paces(vdot: float) -> TrainingPaces:
    check_vdot(vdot)
    interval = _pace_at_fraction(vdot, I_FRACTION)
    return TrainingPaces(
        vdot=vdot,
        easy=(_pace_at_fraction(vdot, E_FAST), _pace_at_fraction(vdot, E_SLOW)),
        marathon=race_time_s(vdot, MARATHON_M) / (MARATHON_M / 1000),
        threshold=_pace_at_fraction(vdot, T_FRACTION),
        interval=interval,
        repetition=interval - repetition_offset(vdot),
    )


R_FAST_VDOT = 50.0  # from here up R is I minus 15 s/km, as public implementations do
R_SLOW_VDOT = 48.5  # from here down I minus 20 s/km


def repetition_offset(vdot: float) -> float:
    """How much faster R is than I, in s/km: 20 up to VDOT 48.5, 15 from VDOT 50.

    Between the two it slides linearly. A plain switch at 50 would make R *slower* for a
    runner whose VDOT goes from 49.9 to 50 (I gets faster by about 4 s/km a VDOT point, less
    than the 5 s the offset drops), breaking "a faster race gives faster paces"; over 1.5
    points the offset changes by 3.3 s/km a point, so R still gets faster."""
    if vdot >= R_FAST_VDOT:
        return 15.0
    if vdot <= R_SLOW_VDOT:
        return 20.0
    return 20.0 - 5.0 * (vdot - R_SLOW_VDOT) / (R_FAST_VDOT - R_SLOW_VDOT)


def equivalent_times(vdot: float) -> dict[str, float]:
    check_vdot(vdot)
    return {name: race_time_s(vdot, d) for name, d in RACE_DISTANCES.items()}


def check_vdot(vdot: float) -> None:
    if not math.isfinite(vdot) or not MIN_VDOT <= vdot <= MAX_VDOT:
        raise PaceError(
            f"VDOT {vdot:.1f} is outside what the model covers ({MIN_VDOT:.0f} to "
            f"{MAX_VDOT:.0f}): check the race time"
        )


# --- races typed by a runner -----------------------------------------------------------------


class Race(_Value):
    """A race result; `name` is the distance as speedtimer names it ("5k", "half", "3000m")."""

    __slots__ = ("distance_m", "time_s", "name")
    distance_m: float
    time_s: float
    name: str

    def __init__(self, distance_m: float, time_s: float, name: str) -> None:
        super().__init__(distance_m, time_s, name)

    @property
    def vdot(self) -> float:
        return vdot_of(self.distance_m, self.time_s)

    @property
    def text(self) -> str:
        """The canonical spelling, which parse_race reads back: "5k 19:57"."""
        return f"{self.name} {format_race_time(self.time_s)}"


_DISTANCE_WORDS = {
    "mile": MILE_M,
    "mi": MILE_M,
    "1mile": MILE_M,
    "1mi": MILE_M,
    "half": HALF_M,
    "hm": HALF_M,
    "halfmarathon": HALF_M,
    "half-marathon": HALF_M,
    "m": MARATHON_M,
    "mar": MARATHON_M,
    "marathon": MARATHON_M,
    "fm": MARATHON_M,
}
_DISTANCE_NUMBER = re.compile(r"^(\d{1,6}(?:\.\d{1,4})?)\s*(k|km|m)?$")
_TIME = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):(\d{2}(?:\.\d{1,2})?)$")
_TIME_UNITS = re.compile(r"^(?:(\d{1,2})h)?(?:(\d{1,3})m(?:in)?)?(?:(\d{1,2}(?:\.\d{1,2})?)s)?$")
SNAP = 0.005  # "42.2 km" is the marathon, "21.1k" the half: within 0.5 % of a race distance
RACE_EXAMPLE = '"5k 19:57", "10k 41:21", "half 1:31:35", "mile 5:50" or "3000m 11:33"'


def parse_distance(text: str) -> tuple[float, str]:
    """Metres and speedtimer's name for a race distance: "5k", "5 km", "5000m", "HM", "1500"."""
    raw = text.strip().lower()
    compact = raw.replace(" ", "")
    if compact in _DISTANCE_WORDS:
        metres = _DISTANCE_WORDS[compact]
    else:
        m = _DISTANCE_NUMBER.match(compact)
        if not m:
            raise PaceError(
                f"{text.strip()!r} is not a race distance: expected 1500m, mile, 3k, 5k, 10k, "
                "half or marathon (or a distance like 3000m or 15 km)"
            )
        number, unit = float(m.group(1)), m.group(2)
        metres = number * 1000 if unit in ("k", "km") else number
        for standard in RACE_DISTANCES.values():
            if abs(metres - standard) <= standard * SNAP:
                metres = standard
    if metres < MIN_DISTANCE_M:
        raise PaceError(
            f"{text.strip()!r} is shorter than the model covers: races from 1500 m to the marathon"
        )
    if metres > MAX_DISTANCE_M + 0.5:
        raise PaceError(
            f"{text.strip()!r} is longer than the model covers: races from 1500 m to the marathon"
        )
    return metres, _distance_name(metres)


def _distance_name(metres: float) -> str:
    for name, d in RACE_DISTANCES.items():
        if abs(d - metres) < 0.5:
            return name
    if metres % 1000 == 0:
        return f"{int(metres) // 1000}k"
    return f"{metres:g}m"


def parse_race_time(text: str) -> float:
    """Seconds from "m:ss" or "h:mm:ss" (seconds may carry hundredths: "3:45.20"), or
    "19m57s", "1h31m35s"."""
    units = _TIME_UNITS.match(text.strip().lower())
    if units and any(units.groups()):
        h, m_, s = units.groups()
        total = int(h or 0) * 3600 + int(m_ or 0) * 60 + float(s or 0)
        if total <= 0:
            raise PaceError(f"{text.strip()!r}: a race time must be more than zero")
        return total
    m = _TIME.match(text.strip())
    if not m:
        raise PaceError(f"{text.strip()!r} is not a race time: expected m:ss or h:mm:ss")
    hours = int(m.group(1) or 0)
    minutes, seconds = int(m.group(2)), float(m.group(3))
    if seconds >= 60 or (m.group(1) is not None and minutes >= 60):
        raise PaceError(f"{text.strip()!r} is not a valid time: expected m:ss or h:mm:ss")
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise PaceError(f"{text.strip()!r}: a race time must be more than zero")
    return total


def parse_race(text: object) -> Race:
    """A race the runner typed: a distance and a time, e.g. "5k 19:57", "half 1:31:35"."""
    if not isinstance(text, str):
        raise PaceError(f"expected a race like {RACE_EXAMPLE}, got {type(text).__name__}")
    if len(text) > 60:
        raise PaceError(f"expected a race like {RACE_EXAMPLE}, got a text of {len(text)} chars")
    words = text.replace(",", " ").split()
    words = [w for w in words if w.lower() not in ("in", "=")]
    if len(words) < 2:
        raise PaceError(f"expected a distance and a time, like {RACE_EXAMPLE}; got {text!r}")
    if _looks_like_time(words[0]) and not _looks_like_time(words[-1]):
        words = words[1:] + words[:1]  # "19:57 5k"
    metres, name = parse_distance(" ".join(words[:-1]).rstrip(":"))
    seconds = parse_race_time(words[-1])
    race = Race(metres, seconds, name)
    vdot = race.vdot
    if vdot < MIN_VDOT:
        raise PaceError(
            f"{text.strip()!r} is slower than the model covers (VDOT {vdot:.1f}, under "
            f"{MIN_VDOT:.0f}): check the time"
        )
    if vdot > MAX_VDOT:
        raise PaceError(
            f"{text.strip()!r} is faster than the model covers (VDOT {vdot:.1f}, over "
            f"{MAX_VDOT:.0f}, faster than any world record): check the time"
        )
    return race


def _looks_like_time(word: str) -> bool:
    return bool(_TIME.match(word)) or bool(
        _TIME_UNITS.match(word.lower()) and any(_TIME_UNITS.match(word.lower()).groups())
    )


def format_race_time(seconds: float) -> str:
    total = round(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


# --- symbolic targets in presets -------------------------------------------------------------


class PaceSymbol(_Value):
    """A target_pace written as a zone or race ("I", "5k", one of SYMBOLS) with an offset in
    s/km (+ slower, - faster)."""

    __slots__ = ("base", "offset_s")
    base: str
    offset_s: float

    def __init__(self, base: str, offset_s: float = 0) -> None:
        super().__init__(base, offset_s)

    @property
    def text(self) -> str:
        if not self.offset_s:
            return self.base
        return f"{self.base}{self.offset_s:+g}s"


_SYMBOL = re.compile(r"^\s*([A-Za-z0-9]+?)\s*(?:([+-])\s*(\d{1,4}(?:\.\d)?)\s*s?)?\s*$")
_SYMBOL_SPELLINGS = {s.lower(): s for s in SYMBOLS} | {
    "1500": "1500m",
    "3000m": "3k",
    "5000m": "5k",
    "10000m": "10k",
    "5km": "5k",
    "10km": "10k",
    "3km": "3k",
    "hm": "half",
    "marathon": "M",
    "mp": "M",
}


def looks_symbolic(text: str) -> bool:
    """True when a target_pace is meant as a symbol (no "m:ss" clock in it)."""
    return ":" not in text


def parse_symbol(
    text: str, pace_expected: str = 'a pace like "3:45/km" or "6:00/mi"'
) -> PaceSymbol:
    """ "5k", "I", "T+5s", "5k-2s" -> PaceSymbol; raises PaceError with a did-you-mean."""
    import difflib  # only on this path: keeps `speedtimer paces` lean

    m = _SYMBOL.match(text)
    base_text = m.group(1) if m else text.strip()
    base = _SYMBOL_SPELLINGS.get(base_text.lower()) if m else None
    if base is not None and base in ZONES and base_text.upper() == base != base_text:
        base = None  # zones are capitals: "i" or "t" is more likely a typo than a zone
    if base is None:
        if base_text.upper() in ZONES:
            hint = [base_text.upper()]
        else:
            hint = difflib.get_close_matches(base_text, SYMBOLS, n=1, cutoff=0.5)
        extra = f"did you mean {hint[0]!r}? " if hint else ""
        raise PaceError(
            f"{text!r} is not a pace: {extra}expected {pace_expected}, or from your race: "
            f"a zone ({', '.join(ZONES)}) or a race ({', '.join(TARGET_RACES)}), "
            'optionally with an offset in s/km like "5k-2s" or "T+5s"'
        )
    offset = 0
    if m.group(2):
        number = float(m.group(3))
        offset = (int(number) if number.is_integer() else number) * (1 if m.group(2) == "+" else -1)
        if abs(offset) > MAX_OFFSET_S:
            raise PaceError(
                f"{text!r}: an offset of {abs(offset)} s/km is more than the {MAX_OFFSET_S} s "
                "this allows"
            )
    return PaceSymbol(base, offset)


def resolve_symbol(symbol: PaceSymbol, vdot: float) -> tuple[float, float]:
    """(fast, slow) seconds per km for a symbol at this VDOT, the offset applied to both."""
    if symbol.base in ZONES:
        fast, slow = training_paces(vdot).zone(symbol.base)
    else:
        check_vdot(vdot)
        distance = RACE_DISTANCES[symbol.base]
        fast = slow = race_time_s(vdot, distance) / (distance / 1000)
    return (max(1.0, fast + symbol.offset_s), max(1.0, slow + symbol.offset_s))


def resolve_pace(symbol: PaceSymbol, vdot: float) -> float:
    """One pace in s/km for a symbol: the middle of a range (E), else the pace itself."""
    fast, slow = resolve_symbol(symbol, vdot)
    return (fast + slow) / 2
