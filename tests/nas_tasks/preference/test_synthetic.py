import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks.preference.synthetic import PREFERENCES, SyntheticPreference, top_k_precision

REF = {"accuracy": np.array([10.0, 80, 90, 94]), "latency": np.array([1.0, 5, 10, 20]),
       "params": np.array([0.1, 0.2, 0.4, 0.8]), "flops": np.array([10.0, 20, 40, 80])}


def test_the_six_preferences():
    assert PREFERENCES == ("accuracy", "latency", "params", "sum", "flops_constraint", "accuracy_constraint")
    u = {name: SyntheticPreference(name, REF).utility(REF) for name in PREFERENCES}
    assert u["accuracy"].tolist() == [10, 80, 90, 94]
    assert u["latency"].tolist() == [-1, -5, -10, -20]
    assert u["params"].tolist() == [-0.1, -0.2, -0.4, -0.8]
    assert u["sum"][0] == pytest.approx(0 + 3)  # worst accuracy, best everything else
    # FLOPs at or below the median (30) are feasible, ranked by accuracy; the others tie at 0
    assert u["flops_constraint"].tolist() == [10, 80, 0, 0]
    # accuracy at or above the median (85) is feasible, ranked by latency; the others tie at 0
    assert u["accuracy_constraint"].tolist() == pytest.approx([0, 0, 1 + (1 - 9 / 19), 1.0])


def test_choices_and_ties():
    pref = SyntheticPreference("flops_constraint", REF)
    assert pref.choose(REF, 0, 1) == "b" and pref.choose(REF, 1, 2) == "a" and pref.choose(REF, 2, 3) == "none"


def test_columns_map_roles_to_table_columns():
    table = {"acc": REF["accuracy"], "lat": REF["latency"], "p": REF["params"], "f": REF["flops"]}
    pref = SyntheticPreference("latency", table, {"accuracy": "acc", "latency": "lat", "params": "p", "flops": "f"})
    assert pref.utility(table).tolist() == [-1, -5, -10, -20]
    with pytest.raises(InvalidInputError, match="needs the accuracy column 'accuracy'"):
        SyntheticPreference("accuracy", table)
    with pytest.raises(InvalidInputError, match="unknown roles"):
        SyntheticPreference("accuracy", REF, {"energy": "e"})
    with pytest.raises(InvalidInputError, match="preference must be one of"):
        SyntheticPreference("speed", REF)


def test_top_k_precision_counts_ties_at_the_kth_utility_as_right():
    u = np.array([5.0, 4, 3, 3, 1])
    assert top_k_precision(u, np.array([5, 4, 0, 3, 1.0]), k=3) == 1.0  # row 3 ties with row 2
    assert top_k_precision(u, np.array([0, 0, 0, 0, 1.0]), k=2) == 0.5  # stable order breaks score ties
    assert top_k_precision(u, -u, k=2) == 0.0
    with pytest.raises(InvalidInputError, match="n >= k"):
        top_k_precision(u, u, k=6)
