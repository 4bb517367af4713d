"""Baseline programs the app is compared with, run as their own processes.

    python -m benchmarks.baselines naive OFFSETS_JSON OUT_JSON
        a loop that sleeps 1 s at a time and counts seconds; "plays" a cue by recording
        time.monotonic() when the count reaches a cue's offset (whole seconds)
    python -m benchmarks.baselines interval OFFSETS_JSON OUT_JSON
        a minimal Textual app that counts set_interval(1) ticks to decide the same cues
    python -m benchmarks.baselines digits
        a minimal Textual app showing a Digits clock updated 10 times a second (runs until killed)

OFFSETS_JSON is a list of whole-second cue offsets from the start. OUT_JSON receives
{"start": monotonic start, "cues": [[offset, monotonic time], ...]}.
"""

from __future__ import annotations

import json
import sys
import time


def naive(offsets: list[int], out: str) -> None:
    wanted = set(offsets)
    last = max(offsets)
    start = time.monotonic()
    cues = []
    if 0 in wanted:
        cues.append([0, time.monotonic()])
    count = 0
    while count < last:
        time.sleep(1)
        count += 1
        if count in wanted:
            cues.append([count, time.monotonic()])
        sys.stdout.write(f"\r{last - count:4d} s left ")
        sys.stdout.flush()
    with open(out, "w") as f:
        json.dump({"start": start, "cues": cues}, f)


def interval(offsets: list[int], out: str) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    wanted = set(offsets)
    last = max(offsets)

    class IntervalApp(App):
        def compose(self) -> ComposeResult:
            yield Static("", id="t")

        def on_mount(self) -> None:
            self.count = 0
            self.cues = []
            self.start = time.monotonic()
            if 0 in wanted:
                self.cues.append([0, self.start])
            self.set_interval(1, self.tick)

        def tick(self) -> None:
            self.count += 1
            if self.count in wanted:
                self.cues.append([self.count, time.monotonic()])
            self.query_one("#t", Static).update(f"{last - self.count} s left")
            if self.count >= last:
                with open(out, "w") as f:
                    json.dump({"start": self.start, "cues": self.cues}, f)
                self.exit()

    IntervalApp().run()


def digits() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Digits

    class DigitsApp(App):
        def compose(self) -> ComposeResult:
            yield Digits("0:00.0", id="d")

        def on_mount(self) -> None:
            self.start = time.monotonic()
            self.set_interval(0.1, self.tick)

        def tick(self) -> None:
            t = time.monotonic() - self.start
            self.query_one("#d", Digits).update(f"{int(t // 60)}:{t % 60:04.1f}")

    DigitsApp().run()


def main(argv: list[str]) -> int:
    kind = argv[0]
    if kind == "digits":
        digits()
        return 0
    offsets = json.loads(argv[1])
    if kind == "naive":
        naive(offsets, argv[2])
    elif kind == "interval":
        interval(offsets, argv[2])
    else:
        print(f"unknown baseline {kind}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
