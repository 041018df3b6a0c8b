"""eval.tune: a grid over question-time settings, figures per split (real model, real index)."""

from __future__ import annotations

import pytest

from eval import tune
from rag.config import Settings


def test_every_combination_is_a_grid_point_typed_as_its_setting():
    points = tune.parse_grid(["answer_bonus=0.1,0.25", "k=3,5"])
    assert points == [{"answer_bonus": 0.1, "k": 3}, {"answer_bonus": 0.1, "k": 5},
                      {"answer_bonus": 0.25, "k": 3}, {"answer_bonus": 0.25, "k": 5}]
    assert all(isinstance(p["k"], int) and isinstance(p["answer_bonus"], float) for p in points)
    assert tune.parse_grid([]) == []  # no grid: only the configured row


@pytest.mark.parametrize(("item", "said"), [
    ("chunk_tokens=128", "the index depends on it"),  # needs another index: `rag eval --config` compares those
    ("no_such_setting=1", "NAME a setting"),
    ("answer_bonus", "NAME a setting"),
    ("answer_bonus=5", "less than or equal to 1"),  # the setting's own bounds
    ("k=many", "valid integer"),
])
def test_a_grid_the_settings_reject_is_refused_before_anything_loads(item, said):
    with pytest.raises(tune.GridError, match=said) as err:
        tune.parse_grid([item])
    assert item.split("=")[0] in str(err.value)


def test_the_grid_prints_the_configured_row_then_one_row_per_point(tmp_path, capsys):
    default = Settings.model_fields["answer_bonus"].default
    assert tune.main(["corpus_qa", "--set", f"answer_bonus=0.0,{default}", "--cache", str(tmp_path)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and "---" not in line]
    header, configured, *grid = rows
    assert "contains gold (all)" in header and "default (as configured)" in configured
    assert [r.split(" | ")[0] for r in grid] == ["| answer_bonus=0.0", f"| answer_bonus={default}"]
    for row in (configured, *grid):
        figures = [c.strip() for c in row.strip("| ").split(" | ")[1:]]
        assert len(figures) == len(tune.FIGURES)
        for (key, _), f in zip(tune.FIGURES, figures, strict=True):  # rates are shares; answer words a count
            assert f == "–" or (float(f) >= 1 if key == "answer_words" else 0.0 <= float(f) <= 1.0), (key, f)
    # The grid point at the configured value reproduces the configured row exactly.
    assert configured.split(" | ")[1:] == grid[1].split(" | ")[1:]
