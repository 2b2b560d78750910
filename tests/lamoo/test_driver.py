import numpy as np
import pytest

from lamoo import LaMOO, Study, optimize
from lamoo.driver import initial_design
from lamoo.exceptions import InvalidInputError, LamooError
from lamoo.result import Result
from samplers import RandomSampler
from tests.toys import FiniteToyTask, MixedToyTask, ToyTask


def test_optimize_spends_exactly_the_budget():
    task = ToyTask(d=2)
    res = optimize(task, RandomSampler(), budget=23, n_init=10, batch_size=5, seed=0)
    assert res.X.shape == (23, 2) and res.Y.shape == (23, 2)
    assert task.calls == [10, 5, 5, 3]
    assert res.sources[:10] == ["init"] * 10 and res.sources[10:] == ["sampler"] * 13
    assert len(res.hypervolume_trace) == 23 and res.hypervolume_trace[-1] == pytest.approx(res.hypervolume())


def test_same_seed_same_run_and_other_seed_other_run():
    task = ToyTask(d=2)
    a = optimize(task, LaMOO(RandomSampler()), 40, 10, 5, seed=3)
    b = optimize(task, LaMOO(RandomSampler()), 40, 10, 5, seed=3)
    c = optimize(task, LaMOO(RandomSampler()), 40, 10, 5, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)


def test_a_generator_seed_is_accepted():
    res = optimize(ToyTask(d=2), RandomSampler(), 12, 10, 2, seed=np.random.default_rng(5))
    assert len(res) == 12 and isinstance(res.seed, int)


class Crashing(ToyTask):
    def evaluate(self, X):
        X = np.asarray(X)
        if (X[:, 0] > 0.7).any():
            raise MemoryError("simulated out of memory")
        return super().evaluate(X)


def test_failed_evaluations_are_recorded_and_the_run_goes_on():
    res = optimize(Crashing(d=2), LaMOO(RandomSampler()), budget=40, n_init=10, batch_size=5, seed=0)
    assert len(res) == 40
    failed = res.failed
    assert failed.any() and (~failed).any()
    assert all("simulated out of memory" in res.errors[i] for i in np.flatnonzero(failed))
    assert (res.X[failed, 0] > 0.7).all() and (res.X[~failed, 0] <= 0.7).all()
    assert np.isfinite(res.hypervolume())


def test_finite_spaces_never_repeat_a_point_and_stop_when_exhausted():
    task = FiniteToyTask()  # 81 cells
    study = Study(task, LaMOO(RandomSampler(), leaf_size=4), seed=0, n_init=10)
    with pytest.warns(RuntimeWarning, match="after 81 evaluations of the budget of 100"):
        res = study.optimize(100, batch_size=7)
    assert len(res) == 81 and len({row.tobytes() for row in res.X}) == 81
    assert study.exhausted
    n_timings = len(study.result().timings)
    with pytest.raises(LamooError, match="every candidate"):
        study.ask(1)
    assert len(study.result().timings) == n_timings  # the failed ask left no trace


def test_a_budget_larger_than_the_space_still_returns_the_result(tmp_path):
    path = tmp_path / "run.jsonl"
    with pytest.warns(RuntimeWarning, match="81 evaluations of the budget of 100"):
        res = optimize(FiniteToyTask(), RandomSampler(), budget=100, n_init=10, batch_size=5, seed=0, journal=path)
    assert len(res) == 81
    np.testing.assert_array_equal(Result.from_journal(path).X, res.X)


def test_a_failed_ask_does_not_move_the_study_on():
    class Broken(RandomSampler):
        def propose(self, region, archive, n, rng):
            raise RuntimeError("no proposal today")

    task = ToyTask(d=2)
    study = Study(task, Broken(), seed=0, n_init=2)
    X = study.ask(2)
    study.tell(X, task.evaluate(X))
    with pytest.raises(RuntimeError, match="no proposal"):
        study.ask(3)
    study.sampler = RandomSampler()
    reference = Study(task, RandomSampler(), seed=0, n_init=2)
    X = reference.ask(2)
    reference.tell(X, task.evaluate(X))
    np.testing.assert_array_equal(study.ask(3), reference.ask(3))  # same ask number, same generator


def test_pending_points_are_not_proposed_twice():
    task = FiniteToyTask()
    study = Study(task, RandomSampler(), seed=1, n_init=4)
    A, B = study.ask(4), study.ask(30)
    assert len({row.tobytes() for row in np.vstack([A, B])}) == 34


def test_study_ask_returns_the_initial_design_first():
    task = ToyTask(d=2)
    study = Study(task, RandomSampler(), seed=0, n_init=8)
    X1 = study.ask(5)
    study.tell(X1, task.evaluate(X1))
    X2 = study.ask(5)  # 3 initial points + 2 from the sampler
    study.tell(X2, task.evaluate(X2))
    assert study.archive.sources == ["init"] * 8 + ["sampler"] * 2
    design = initial_design(task.space, 8, seed=0)
    np.testing.assert_array_equal(study.archive.X[:8], design)
    assert Study(task, RandomSampler(), seed=0).n_init == 2 * (2 + 1)


def test_tell_accepts_points_that_were_not_asked():
    task = MixedToyTask()
    study = Study(task, RandomSampler(), seed=0)
    X = np.array([[0.3, 2, 1]])
    study.tell(X, task.evaluate(X))
    assert study.archive.sources == ["user"] and study.archive.batches.tolist() == [-1]


@pytest.mark.parametrize("X, Y, match", [
    (np.zeros((2, 7)), np.zeros((2, 2)), r"shape \(n x 3\)"),
    (np.zeros((2, 3)), np.zeros((2, 3)), r"shape \(2 x 2\)"),
    (np.full((1, 3), 2.0), np.zeros((1, 2)), "outside the search space"),
    (np.full((1, 3), np.nan), np.zeros((1, 2)), "outside the search space"),
    (np.zeros((1, 3)), np.array([[np.inf, 0.0]]), "infinite"),
])
def test_tell_rejects_bad_input(X, Y, match):
    study = Study(ToyTask(d=3), RandomSampler(), seed=0)
    with pytest.raises(ValueError, match=match):
        study.tell(X, Y)
    assert study.n_told == 0


@pytest.mark.parametrize("kwargs, match", [
    ({"seed": -1}, "seed"), ({"seed": "x"}, "seed"), ({"n_init": 0}, "n_init"),
    ({"ref_point": [1.0]}, "ref_point"),
])
def test_study_rejects_bad_arguments(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        Study(ToyTask(d=2), RandomSampler(), **kwargs)


def test_bad_budget_and_batch_size():
    with pytest.raises(InvalidInputError, match="budget"):
        optimize(ToyTask(d=2), RandomSampler(), budget=0)
    with pytest.raises(InvalidInputError, match="batch_size"):
        optimize(ToyTask(d=2), RandomSampler(), budget=10, batch_size=0)
    with pytest.raises(InvalidInputError, match="sampler"):
        Study(ToyTask(d=2), "random")


def test_a_sampler_that_falls_short_is_topped_up_with_random_points():
    class Lazy(RandomSampler):
        def propose(self, region, archive, n, rng):
            return region.sample(1, rng)  # always one point, whatever n

    res = optimize(ToyTask(d=2), Lazy(), budget=20, n_init=10, batch_size=5, seed=0)
    assert res.sources[10:15] == ["sampler"] + ["fill"] * 4


def test_result_frames_and_summary():
    res = optimize(MixedToyTask(), RandomSampler(), budget=20, n_init=6, batch_size=2, seed=0)
    df = res.to_frame()
    assert list(df.columns[:5]) == ["lr", "layers", "op", "f1", "score"]
    front = res.pareto_front()
    assert len(front) == res.pareto_mask().sum() >= 1
    assert front["f1"].is_monotonic_increasing
    summary = res.summary()
    assert summary["evaluations"] == 20 and summary["optimizer_seconds"] >= 0
    assert res.hypervolume(ref_point=[2.0, -2.0]) > res.hypervolume()  # looser in both directions


def test_categorical_dimensions_show_their_labels(tmp_path):
    path = tmp_path / "run.jsonl"
    res = Study(MixedToyTask(), RandomSampler(), seed=0, journal=path).optimize(10)
    assert set(res.to_frame()["op"]) <= {"a", "b", "c"}
    assert set(res.to_frame(labels=False)["op"]) <= {0.0, 1.0, 2.0}
    assert set(Result.from_journal(path).pareto_front()["op"]) <= {"a", "b", "c"}


def test_tell_keeps_the_order_rows_were_told_in():
    task = ToyTask(d=2)
    study = Study(task, RandomSampler(), seed=0, n_init=2)
    A, B = study.ask(2), study.ask(2)  # batch 0 (initial design) and batch 1 (sampler)
    user = np.array([[0.5, 0.5]])
    X = np.vstack([B[1], user[0], A[0], B[0], A[1]])
    study.tell(X, task.evaluate(X))
    np.testing.assert_array_equal(study.archive.X, X)
    assert study.archive.batches.tolist() == [1, -1, 0, 1, 0]
    assert study.archive.sources == ["sampler", "user", "init", "sampler", "init"]


def test_a_reference_point_nothing_dominates_is_reported():
    from lamoo.problems import get_problem

    task = get_problem("branin-currin")
    with pytest.warns(RuntimeWarning, match=r"no evaluated point dominates the reference point \[0\.0, 0\.0\]") as rec:
        res = optimize(task, RandomSampler(), budget=12, seed=0, ref_point=[0, 0])
    assert res.hypervolume() == 0
    message = str(next(w.message for w in rec if "dominates" in str(w.message)))
    best = res.Y[~res.failed].min(axis=0).tolist()
    assert f"'branin': {best[0]!r}" in message and f"'currin': {best[1]!r}" in message


def test_no_reference_point_warning_when_all_evaluations_failed_or_the_hypervolume_is_positive():
    import warnings

    class AllFail(ToyTask):
        def evaluate(self, X):
            raise RuntimeError("down")

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        optimize(ToyTask(d=2), RandomSampler(), budget=8, seed=0)
        assert optimize(AllFail(d=2), RandomSampler(), budget=8, seed=0).failed.all()


def test_the_last_proposal_is_kept_and_its_report_journaled(tmp_path):
    from lamoo.journal import read_journal
    from lamoo.proposal import Proposal

    task, path = ToyTask(d=2), tmp_path / "run.jsonl"
    study = Study(task, LaMOO(RandomSampler(), leaf_size=4), seed=0, n_init=10, journal=path)
    X = study.ask(10)
    study.tell(X, task.evaluate(X))
    assert study.last_proposal is None  # the initial design called no sampler
    X = study.ask(5)
    study.tell(X, task.evaluate(X))
    proposal = study.last_proposal
    assert isinstance(proposal, Proposal) and proposal.region.contains(X).all()
    records = read_journal(path)[1]
    assert all(r["proposal"] is None for r in records[:10])
    assert all(r["proposal"] == dict(proposal.info) for r in records[10:])
    assert {r["leaf_id"] for r in records[10:]} == {proposal.region.leaf_id}


def test_the_sampler_sees_pending_points_in_its_region():
    seen = []

    class Spy(RandomSampler):
        def propose(self, region, archive, n, rng):
            seen.append(region.pending.copy())
            return super().propose(region, archive, n, rng)

    task = ToyTask(d=2)
    study = Study(task, Spy(), seed=0, n_init=3)
    A = study.ask(5)  # 3 initial points, pending for the sampler's 2
    np.testing.assert_array_equal(seen[0], A[:3])
    B = study.ask(2)
    np.testing.assert_array_equal(seen[1], A)
    assert not (B[:, None] == A).all(-1).any()


def test_a_result_is_a_frozen_snapshot():
    task = ToyTask(d=2)
    study = Study(task, RandomSampler(), seed=0, n_init=4)
    study.optimize(8, batch_size=4)
    res = study.result()
    study.optimize(12, batch_size=4)
    assert len(res) == 8 and len(study.result()) == 12  # the study went on, the snapshot did not
    for name in ("X", "Y", "F", "leaf_ids", "batches", "ref_point", "hypervolume_trace"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(res, name)[0] = 0
    with pytest.raises(AttributeError, match="frozen snapshot"):
        res.X = None
    res.sources.append("user")
    res.timings.clear()
    assert len(res.sources) == 8 and len(res.timings) == 2


def test_a_callback_stops_a_run_by_returning_true_or_calling_stop():
    seen = []

    def enough(study, X, Y):
        seen.append(len(X))
        return study.n_told >= 14

    res = optimize(ToyTask(d=2), RandomSampler(), budget=40, n_init=10, batch_size=2, seed=0, callback=enough)
    assert len(res) == 14 and seen == [10, 2, 2]
    study = Study(ToyTask(d=2), RandomSampler(), seed=0, n_init=4)
    assert len(study.optimize(30, 3, callback=lambda s, X, Y: s.stop())) == 4
    assert len(study.optimize(30, 3, callback=lambda s, X, Y: None)) == 30  # a later optimize runs again
    with pytest.raises(InvalidInputError, match="callback must be callable"):
        study.optimize(40, callback="stop")
