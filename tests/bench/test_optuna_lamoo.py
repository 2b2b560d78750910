"""The optuna-lamoo peer: LaMOO through Optuna evaluates the native lamoo-X run's points."""
import numpy as np
import pytest

pytest.importorskip("optuna")

from lamoo import LaMOO, Study  # noqa: E402
from lamoo.bench.methods import PEERS, plan_method  # noqa: E402
from lamoo.bench.optuna_lamoo import OptunaLaMOO  # noqa: E402
from lamoo.bench.recorder import Recorder  # noqa: E402
from lamoo.exceptions import InvalidInputError  # noqa: E402
from lamoo.testing import FiniteToyTask, ToyTask  # noqa: E402
from samplers import NSGA2Sampler, RandomSampler  # noqa: E402


@pytest.mark.parametrize("task, inner, storage", [(ToyTask(3), "random", "memory"), (FiniteToyTask(), "nsga2", "journal")],
                         ids=["box-random-memory", "finite-nsga2-journal"])
def test_the_peer_evaluates_the_native_runs_points(task, inner, storage):
    # budget 22 = 10 + 3 x 4: no batch is cut short by the budget
    native = Study(task, LaMOO({"random": RandomSampler(), "nsga2": NSGA2Sampler()}[inner], leaf_size=4), seed=3,
                   n_init=10).optimize(22, batch_size=4)
    recorder = Recorder(task)
    OptunaLaMOO(inner=inner, storage=storage, leaf_size=4).run(task, recorder, 22, 10, 4, 3)
    np.testing.assert_array_equal(recorder.X, native.X)
    assert recorder.n_duplicates == 0 and [it["size"] for it in recorder.iterations] == [10, 4, 4, 4]


def test_a_method_label_names_the_peer_and_its_options():
    assert PEERS["optuna-lamoo"] is OptunaLaMOO and "optuna-nsga2" in PEERS
    plan = plan_method("optuna-lamoo:inner=cmaes:leaf_size=20:storage=sqlite")
    assert plan.kind == "peer" and plan.peer_options == {"inner": "cmaes", "leaf_size": 20, "storage": "sqlite"}
    with pytest.raises(InvalidInputError, match="storage must be one of"):
        OptunaLaMOO(storage="redis")
    with pytest.raises(InvalidInputError, match="inner must be a registered sampler name"):
        OptunaLaMOO(inner="tpe")
    with pytest.raises(InvalidInputError, match="leaf_size must be an integer >= 1"):
        OptunaLaMOO(leaf_size=0)
