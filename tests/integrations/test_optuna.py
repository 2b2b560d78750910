"""LaMOOSampler in real Optuna studies: native agreement, storages, distributions, guarantees."""
import json
import math
import threading
import warnings
from io import BytesIO
from wsgiref.util import setup_testing_defaults

import numpy as np
import pytest

optuna = pytest.importorskip("optuna")

from lamoo import LaMOO, Study  # noqa: E402
from lamoo.exceptions import InvalidInputError  # noqa: E402
from lamoo.integrations.optuna import LaMOOSampler, SpaceCodec  # noqa: E402
from lamoo.testing import FiniteToyTask, MixedToyTask, ToyTask  # noqa: E402
from samplers import RandomSampler  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)
FLOAT, INT = optuna.distributions.FloatDistribution, optuna.distributions.IntDistribution
CAT = optuna.distributions.CategoricalDistribution


def ask_tell(task, sampler, budget, n_init, batch_size, storage=None):
    """An Optuna ask/tell loop a batch at a time (the first ask: the initial design); the points in order."""
    codec = SpaceCodec.from_space(task.space)
    study = optuna.create_study(directions=[o.direction for o in task.objectives], sampler=sampler, storage=storage)
    X, first = [], True
    while len(X) < budget:
        trials = [study.ask(codec.distributions) for _ in range(min(n_init if first else batch_size, budget - len(X)))]
        points = np.array([codec.to_point(t.params) for t in trials])
        for trial, y in zip(trials, task.evaluate(points)):
            study.tell(trial, list(map(float, y)))
        X += list(points)
        first = False
    return np.array(X), study


@pytest.mark.parametrize("task", [ToyTask(3), MixedToyTask(), FiniteToyTask()], ids=["box", "mixed", "finite"])
def test_a_sequential_study_evaluates_the_native_runs_points(task):
    native = Study(task, LaMOO(RandomSampler(), leaf_size=4), seed=5, n_init=8).optimize(36, batch_size=4)
    sampler = LaMOOSampler(RandomSampler(), seed=5, n_init=8, batch_size=4, ref_point=task.ref_point,
                           search_space=task.space, leaf_size=4)
    X, study = ask_tell(task, sampler, 36, 8, 4)
    np.testing.assert_array_equal(X, native.X)
    leaves = [t.user_attrs["lamoo_leaf"] for t in study.trials]
    assert leaves == native.leaf_ids.tolist()
    assert [t.user_attrs["lamoo_source"] for t in study.trials] == native.sources


def test_study_optimize_one_trial_at_a_time_matches_batch_size_one():
    task = ToyTask(2)
    native = Study(task, LaMOO(RandomSampler(), leaf_size=4), seed=1, n_init=6).optimize(30, batch_size=1)
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=LaMOOSampler("random", seed=1, n_init=6, ref_point=task.ref_point, leaf_size=4))
    study.optimize(lambda t: tuple(task.evaluate([[t.suggest_float("x0", 0, 1), t.suggest_float("x1", 0, 1)]])[0]),
                   n_trials=30)
    # the first trial's search space is unknown (define-by-run): Optuna's independent sampler draws it
    assert study.trials[0].user_attrs == {}
    X = np.array([[t.params["x0"], t.params["x1"]] for t in study.trials])
    assert len({tuple(x) for x in X}) == 30
    assert all(t.user_attrs["lamoo_source"] in ("init", "sampler", "fill") for t in study.trials[1:])
    assert native.X.shape == X.shape


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_storages_give_the_in_memory_trials(tmp_path, kind):
    task = MixedToyTask()

    def run(storage):
        sampler = LaMOOSampler("random", seed=2, n_init=3, batch_size=3, search_space=task.space, leaf_size=2)
        return ask_tell(task, sampler, 9, 3, 3, storage)[0]

    if kind == "sqlite":
        storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'study.db'}")
    else:
        from optuna.storages.journal import JournalFileBackend

        storage = optuna.storages.JournalStorage(JournalFileBackend(str(tmp_path / "journal.log")))
    np.testing.assert_array_equal(run(storage), run(None))


def objective4(trial):
    x = trial.suggest_float("x", -1, 1)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    width = trial.suggest_int("width", 8, 512, log=True)
    depth = trial.suggest_int("depth", 1, 9, step=2)
    drop = trial.suggest_float("drop", 0.0, 0.5, step=0.1)
    act = trial.suggest_categorical("act", ["relu", "tanh", None])
    penalty = {"relu": 0.0, "tanh": 0.3, None: 0.6}[act]
    return (x ** 2 + penalty, -math.log10(lr) / 5 + drop, width / 512 + depth / 9, abs(x - 0.5) - drop)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_every_distribution_with_two_to_four_objectives(m):
    directions = ["minimize", "maximize", "minimize", "maximize"][:m]
    study = optuna.create_study(directions=directions, sampler=LaMOOSampler("random", seed=0, batch_size=3,
                                                                            leaf_size=4))
    study.optimize(lambda t: objective4(t)[:m], n_trials=40)
    trials = study.trials
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    for t in trials:
        p = t.params
        assert isinstance(p["width"], int) and 8 <= p["width"] <= 512
        assert isinstance(p["depth"], int) and p["depth"] in (1, 3, 5, 7, 9)
        assert 1e-5 <= p["lr"] <= 1e-1 and round(p["drop"] * 10) == pytest.approx(p["drop"] * 10)
        assert p["act"] in ("relu", "tanh", None)
    assert len({tuple(sorted(t.params.items(), key=lambda kv: kv[0])) for t in trials}) == 40
    sampled = [t for t in trials if t.user_attrs.get("lamoo_source") == "sampler"]
    assert sampled and all(t.user_attrs["lamoo_leaf"] in t.user_attrs["lamoo_path"] or t.user_attrs["lamoo_relaxed"]
                           for t in sampled)
    assert max(t.user_attrs["lamoo_depth"] for t in sampled) >= 1  # LaMOO did split the space


def test_same_seed_same_trials_other_seed_other_trials():
    def params(seed):
        study = optuna.create_study(directions=["minimize"] * 3, sampler=LaMOOSampler("random", seed=seed,
                                                                                      batch_size=2))
        study.optimize(lambda t: objective4(t)[:3], n_trials=20)
        return [t.params for t in study.trials]

    assert params(4) == params(4)
    assert params(4) != params(5)


def test_no_repeated_point_on_a_finite_space_even_with_threads():
    space = {"a": CAT(["x", "y", "z"]), "b": INT(0, 3), "c": FLOAT(0, 1, step=0.5)}  # 36 points
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=LaMOOSampler("random", seed=0, batch_size=2, search_space=space, leaf_size=3))

    def objective(t):
        a, b, c = t.suggest_categorical("a", ["x", "y", "z"]), t.suggest_int("b", 0, 3), t.suggest_float("c", 0, 1, step=0.5)
        return b + c, ("x", "y", "z").index(a) - b

    study.optimize(objective, n_trials=30, n_jobs=2)
    assert len({tuple(sorted(t.params.items())) for t in study.trials}) == 30
    with pytest.warns(RuntimeWarning, match="every point of the finite search space"):
        study.optimize(objective, n_trials=8)  # 38 trials on 36 points: the last two must repeat
    assert len({tuple(sorted(t.params.items())) for t in study.trials}) == 36


def test_enqueued_trials_are_kept_and_take_no_point_of_a_batch():
    space = {"x": FLOAT(0, 1), "y": FLOAT(0, 1)}
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=LaMOOSampler("random", seed=0, n_init=4, search_space=space))
    study.enqueue_trial({"x": 0.25, "y": 0.75})
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=6)
    assert study.trials[0].params == {"x": 0.25, "y": 0.75} and "lamoo_source" not in study.trials[0].user_attrs
    assert [t.user_attrs["lamoo_source"] for t in study.trials[1:]] == ["init"] * 4 + ["sampler"]


def test_failed_and_nan_trials_are_not_proposed_again():
    space = {"k": INT(0, 5)}
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=LaMOOSampler("random", seed=0, n_init=2, search_space=space))

    def objective(t):
        k = t.suggest_int("k", 0, 5)
        if k % 2:
            raise optuna.TrialPruned() if k == 1 else ValueError("odd")
        return float(k), float("nan") if k == 4 else -float(k)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the failing trials' own messages
        study.optimize(objective, n_trials=6, catch=(ValueError,))
    assert sorted(t.params["k"] for t in study.trials) == [0, 1, 2, 3, 4, 5]


def test_arguments_are_checked():
    with pytest.raises(InvalidInputError, match="Optuna sampler TPESampler"):
        LaMOOSampler(optuna.samplers.TPESampler())
    with pytest.raises(InvalidInputError, match="unknown sampler 'nope'"):
        LaMOOSampler("nope")
    with pytest.raises(InvalidInputError, match="batch_size must be an integer >= 1"):
        LaMOOSampler(batch_size=0)
    with pytest.raises(InvalidInputError, match="already a LaMOO"):
        LaMOOSampler(LaMOO(RandomSampler()), leaf_size=3)
    with pytest.raises(InvalidInputError, match="search_space must be"):
        LaMOOSampler(search_space=[1, 2])
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=LaMOOSampler(ref_point=[1.0], search_space={"x": FLOAT(0, 1)}))
    with pytest.raises(InvalidInputError, match="ref_point must have shape"):
        study.ask({"x": FLOAT(0, 1)})


def test_a_three_objective_study_reads_back_through_optuna_dashboard(tmp_path):
    optuna_dashboard = pytest.importorskip("optuna_dashboard")
    from optuna.storages.journal import JournalFileBackend

    storage = optuna.storages.JournalStorage(JournalFileBackend(str(tmp_path / "journal.log")))
    study = optuna.create_study(study_name="lamoo-3obj", storage=storage, directions=["minimize", "maximize", "minimize"],
                                sampler=LaMOOSampler("random", seed=0, batch_size=4, leaf_size=4))
    study.optimize(lambda t: objective4(t)[:3], n_trials=24)

    app = optuna_dashboard.wsgi(storage)
    environ = {"PATH_INFO": f"/api/studies/{study._study_id}", "REQUEST_METHOD": "GET", "wsgi.input": BytesIO()}
    setup_testing_defaults(environ)
    answer = {}
    body = b"".join(app(environ, lambda status, headers, exc_info=None: answer.update(status=status)))
    assert answer["status"].startswith("200")
    detail = json.loads(body)
    assert detail["name"] == "lamoo-3obj" and detail["directions"] == ["minimize", "maximize", "minimize"]
    assert len(detail["trials"]) == 24
    attrs = [{a["key"]: a["value"] for a in trial["user_attrs"]} for trial in detail["trials"]]
    assert attrs[0] == {} and all("lamoo_leaf" in a and "lamoo_source" in a for a in attrs[1:])  # trial 0: space unknown
    assert {a["lamoo_source"] for a in attrs[1:]} >= {"init", "sampler"}
    assert len(detail["best_trials"]) >= 1  # the Pareto front the dashboard draws
    assert [t["params"][0]["name"] for t in detail["trials"][:1]] == ["x"]


def test_space_codec_round_trips_every_distribution():
    dists = {"f": FLOAT(-2, 3), "lg": FLOAT(1e-4, 1.0, log=True), "st": FLOAT(0, 1, step=0.25), "i": INT(-3, 3),
             "il": INT(1, 1000, log=True), "is": INT(2, 10, step=4), "c": CAT([None, 1.5, "a", True])}
    codec = SpaceCodec(dists)
    assert codec.space.kinds == ("continuous", "continuous", "integer", "integer", "integer", "integer", "categorical")
    rng = np.random.default_rng(0)
    for x in codec.space.sample_uniform(200, rng):
        params = codec.to_params(x)
        assert all(d._contains(d.to_internal_repr(params[k])) for k, d in dists.items())
        np.testing.assert_allclose(codec.to_point(params), x, rtol=1e-12)
    assert codec.to_point({"f": 0.0}) is None  # a trial from another search space
    with pytest.raises(InvalidInputError, match="does not match"):
        SpaceCodec({"x": FLOAT(0, 1)}, space=ToyTask(2).space)


def test_threads_share_one_batch_without_handing_a_point_out_twice():
    sampler = LaMOOSampler("random", seed=0, n_init=8, batch_size=4, search_space={"x": FLOAT(0, 1)})
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    trials, lock = [], threading.Lock()

    def ask():
        trial = study.ask({"x": FLOAT(0, 1)})
        with lock:
            trials.append(trial.params["x"])

    workers = [threading.Thread(target=ask) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(set(trials)) == 8
