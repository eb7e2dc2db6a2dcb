"""The calibration tables of issue 15.5 (scripts/calibration_table.py): ranges as stated,
and the README/docs tables regenerated from the current model."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location(
        "calibration_table", ROOT / "scripts" / "calibration_table.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_expected_range_is_straight_km_times_circuity_over_speed():
    cal = _script()
    lo, hi = cal.expected_minutes(10.0, 20.0, 50.0)
    assert float(lo) == pytest.approx(10 * 1.2 / 50 * 60)
    assert float(hi) == pytest.approx(10 * 1.4 / 20 * 60)
    bounds = [(c[1], c[2]) for c in cal.CLASSES]
    assert bounds == [(0.0, 15.0), (15.0, 40.0), (40.0, float("inf"))]


def test_replace_block_keeps_the_rest_and_needs_its_markers(tmp_path):
    cal = _script()
    doc = tmp_path / "x.md"
    doc.write_text("a\n<!-- t:start -->\nold\n<!-- t:end -->\nb\n", encoding="utf-8")
    cal.replace_block(doc, "t", "new")
    cal.replace_block(doc, "t", "new")  # idempotent
    assert doc.read_text(encoding="utf-8") == "a\n<!-- t:start -->\nnew\n<!-- t:end -->\nb\n"
    with pytest.raises(SystemExit):
        cal.replace_block(doc, "other", "x")


@pytest.mark.slow
def test_readme_and_docs_tables_are_generated_from_the_current_model():
    cal = _script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    docs = (ROOT / "docs" / "network.md").read_text(encoding="utf-8")
    assert cal.plausibility_markdown(2025) in readme
    assert cal.plausibility_markdown(2025) in docs
    assert cal.calibration_markdown(2025) in docs
