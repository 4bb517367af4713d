"""The benchmark report copies one run's table into the docs, between its markers only."""

from __future__ import annotations

import json

from benchmarks.__main__ import SUITES, markdown
from benchmarks.common import Figure
from benchmarks.report import BEGIN, END, main


def run_file(tmp_path, mode="full", parts=tuple(SUITES)):
    figs = [
        Figure("3 Start-up", "first menu frame, bundled presets", 250.0, "ms", 400),
        Figure("4 History", "history filter by preset, 10,000", 120.0, "ms", 100),
        Figure("1 Cues", "baseline sleep(1) loop", 25.5, "ms"),
    ]
    results = {
        "mode": mode,
        "parts": list(parts),
        "seconds": 912.4,
        "machine": {
            "cpu": "Test CPU",
            "cores": 2,
            "memory_gb": 8.0,
            "os": "Linux 6.1",
            "python": "3.11.7",
            "textual": "8.2.8",
            "date": "2026-12-01T15:00:00+00:00",
        },
        "figures": [f.to_json() for f in figs],
        "markdown": markdown(figs),
        "errors": {},
    }
    path = tmp_path / "latest.json"
    path.write_text(json.dumps(results))
    return path


def test_report_replaces_only_the_table(tmp_path):
    doc = tmp_path / "README.md"
    doc.write_text(f"# Title\n\nprose before\n\n{BEGIN}\nold table\n{END}\n\nprose after\n")
    assert main(["--input", str(run_file(tmp_path)), str(doc)]) == 0
    text = doc.read_text()
    assert text.startswith("# Title\n\nprose before\n\n") and text.endswith("\n\nprose after\n")
    assert "old table" not in text
    assert "(full run, 912 s) on Test CPU, 2 cores, 8.0 GB; Linux 6.1" in text
    assert "2026-12-01. 1 of 2 targets met." in text
    assert "| 3. first menu frame, bundled presets | 250 ms | <= 400 ms | PASS |" in text
    assert "| 4. history filter by preset, 10,000 | 120 ms | <= 100 ms | FAIL |" in text


def test_report_refuses_a_quick_run_and_files_without_markers(tmp_path, capsys):
    doc = tmp_path / "README.md"
    doc.write_text(f"{BEGIN}\nold\n{END}\n")
    assert main(["--input", str(run_file(tmp_path, mode="quick")), str(doc)]) == 1
    assert "old" in doc.read_text()
    assert main(["--quick", "--input", str(run_file(tmp_path, mode="quick")), str(doc)]) == 0
    assert main(["--input", str(run_file(tmp_path, parts=("2",))), str(doc)]) == 1
    assert main(["--partial", "--input", str(run_file(tmp_path, parts=("2",))), str(doc)]) == 0
    assert "Figures 2 only." in doc.read_text()
    bare = tmp_path / "bare.md"
    bare.write_text("no markers here\n")
    try:
        main(["--input", str(run_file(tmp_path)), str(bare)])
    except SystemExit as exc:
        assert "no benchmark table markers" in str(exc)
    else:
        raise AssertionError("a file without markers was accepted")


def test_merge_puts_a_partial_run_into_the_table_row_by_row(tmp_path):
    doc = tmp_path / "README.md"
    doc.write_text(f"intro\n\n{BEGIN}\nold header\n\n| figure | a |\n| --- | --- |\n"
                   f"| 1. kept | 1 |\n| 1. baseline sleep(1) loop | old |\n| 3. other | 3 |\n"
                   f"{END}\nafter\n")  # fmt: skip
    figs = [
        Figure("1 Cues", "baseline sleep(1) loop", 30.0, "ms"),
        Figure("1 Cues", "PulseAudio: interval error p95 (app)", 4.0, "ms", 5),
    ]
    path = tmp_path / "part.json"
    results = json.loads(run_file(tmp_path, parts=("1",)).read_text())
    results["figures"] = [f.to_json() for f in figs]
    results["markdown"] = markdown(figs)
    path.write_text(json.dumps(results))
    assert main(["--merge", "--input", str(path), str(doc)]) == 0
    text = doc.read_text()
    rows = [ln for ln in text.splitlines() if ln.startswith("| 1.") or ln.startswith("| 3.")]
    assert rows == [
        "| 1. kept | 1 |",
        "| 1. baseline sleep(1) loop | 30.0 ms |  |  |  |",
        "| 1. PulseAudio: interval error p95 (app) | 4.00 ms | <= 5.00 ms | PASS |  |",
        "| 3. other | 3 |",
    ]
    assert "old header" in text and text.startswith("intro") and text.endswith(f"{END}\nafter\n")
    assert "Rows merged from a later run of some figures (figure 1; full run" in text
    assert "on Test CPU, 2 cores; 2026-12-01; 1 of 1 of their targets met)" in text
    assert main(["--merge", "--input", str(path), str(doc)]) == 0  # again: the same text
    assert doc.read_text() == text
