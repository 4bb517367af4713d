"""`presets import` of intervals.icu text where `400m` (400 minutes there) was surely meant as
metres: imported as written, never refused, and said as a warning with what was probably meant
and the total it makes, after the import line where it is read (issue 12, bug 3)."""

from __future__ import annotations

import pytest

from speedtimer.cli.main import main

TEXT = (
    "Warmup\n- 10m Z2 Pace\n\nMain set 6x\n- {rep} 3:45/km Pace\n- 90s Z1\n\nCooldown\n- 10m Z1\n"
)


def import_text(tmp_path, capsys, text: str) -> tuple[int, str, str]:
    source = tmp_path / "workout.txt"
    source.write_text(text)
    code = main(["--config-dir", str(tmp_path / "config"), "--data-dir", str(tmp_path / "data"),
                 "presets", "import", str(source), "--name", "Track"])  # fmt: skip
    out = capsys.readouterr()
    return code, out.out, out.err


def test_minutes_meant_as_metres_are_a_warning_with_the_total(tmp_path, capsys):
    code, out, err = import_text(tmp_path, capsys, TEXT.format(rep="400m"))
    assert code == 0 and "Imported 'Track'" in out  # nothing refused
    warnings = [ln for ln in err.splitlines() if ln.startswith("warning: ")]
    assert warnings == [
        "warning: line 5: 400m is 400 minutes (6:40:00): in intervals.icu m means minutes; "
        "did you mean 400mtr? (imported as 400 minutes)"
    ]
    assert "note: line 5: read as work" in err  # the other decisions stay notes
    assert err.splitlines()[-1] == (
        "Check 1 warning above before running it: its total is 40:29:00"
    )  # 10:00 + 6 x (6:40:00 + 1:30) + 10:00


@pytest.mark.parametrize("rep", ["400mtr", "4m"])
def test_no_warning_when_nothing_looks_wrong(tmp_path, capsys, rep):
    code, _, err = import_text(tmp_path, capsys, TEXT.format(rep=rep))
    assert code == 0
    assert "warning" not in err.casefold() and "did you mean" not in err
