"""The one grammar of objective specs, shared by the table task, the train task and the CLI."""
import pytest

from lamoo.exceptions import InvalidInputError
from lamoo.task import ObjectiveSpec
from nas_tasks.objectives import build_objectives
from nas_tasks.objectives.specs import (format_objective, infer_direction, parse_objectives, resolve_direction,
                                        split_objective)


@pytest.mark.parametrize("text, expected", [
    ("flops", ("flops", None)),
    ("flops:min", ("flops", "minimize")),
    ("flops:minimize", ("flops", "minimize")),
    (" acc : MAX ", ("acc", "maximize")),
    ("acc:Maximize", ("acc", "maximize")),
])
def test_split_objective_reads_short_and_long_suffixes(text, expected):
    assert split_objective(text) == expected


@pytest.mark.parametrize("text, message", [
    ("acc:up", "suffix after ':' must be one of max, maximize, min, minimize"),
    (":max", "no name"),
    ("  ", "non-empty name"),
])
def test_split_objective_rejects_what_is_not_a_spec(text, message):
    with pytest.raises(InvalidInputError, match=message):
        split_objective(text)


def test_parse_objectives_takes_lists_strings_and_specs():
    assert parse_objectives("a:max, b") == [("a", "maximize"), ("b", None)]
    assert parse_objectives([ObjectiveSpec("loss", "minimize"), "acc"]) == [("loss", "minimize"), ("acc", None)]
    with pytest.raises(InvalidInputError, match="distinct"):
        parse_objectives(["acc", "acc:max"])
    with pytest.raises(InvalidInputError, match="at least one"):
        parse_objectives(" , ")
    with pytest.raises(InvalidInputError, match="must be a name"):
        parse_objectives(["acc", 3])


def test_directions_inferred_from_names_and_formatted_back():
    assert infer_direction("cifar10_test_acc") == "maximize" and infer_direction("latency_ms_raspi4") == "minimize"
    assert infer_direction("mystery") is None and infer_direction("acc_loss") is None
    with pytest.raises(InvalidInputError, match="'mystery:max' or 'mystery:min'"):
        resolve_direction("mystery", None)
    for name, direction in (("flops", "minimize"), ("acc", "maximize")):
        assert split_objective(format_objective(name, direction)) == (name, direction)


def test_train_task_objectives_use_the_same_grammar():
    # the long forms the table task always read are read here too (they were rejected before)
    objs = build_objectives(["accuracy:maximize", "params:MIN", "flops"])
    assert [(o.name, o.direction) for o in objs] == [("accuracy", "maximize"), ("params", "minimize"),
                                                       ("flops", "minimize")]
    assert [o.name for o in build_objectives("accuracy, robustness:max")] == ["accuracy", "robustness"]
    with pytest.raises(InvalidInputError, match="can only be maximized, not minimized"):
        build_objectives(["accuracy:minimize"])
    with pytest.raises(InvalidInputError, match="suffix after ':'"):
        build_objectives(["accuracy:best"])
    with pytest.raises(InvalidInputError, match="unknown objective 'beauty'"):
        build_objectives(["beauty"])
    with pytest.raises(InvalidInputError, match="unknown objectives \\['beauty'\\]"):
        build_objectives(["accuracy"], {"beauty": {}})
    with pytest.raises(InvalidInputError, match="distinct"):
        build_objectives(["accuracy", "accuracy:max"])
