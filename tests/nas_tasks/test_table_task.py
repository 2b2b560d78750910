import json

import numpy as np
import pandas as pd
import pytest

from lamoo.exceptions import InvalidInputError
from lamoo.pareto import hypervolume
from nas_tasks import NB201TableTask, nb201
from nas_tasks.nb201.tables import TableNotFoundError
from tests.nas_tasks.fake_benchmarks import synthetic_frame

CELL0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"


@pytest.fixture
def frame():
    return synthetic_frame()


@pytest.fixture
def csv(tmp_path, frame):
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    return path


def test_csv_parquet_and_dataframe_agree(tmp_path, frame, csv):
    pq = tmp_path / "table.parquet"
    frame.to_parquet(pq)
    objectives = ["cifar10_test_acc", "latency_ms_dev"]
    tasks = [NB201TableTask(t, objectives) for t in (csv, pq, frame)]
    X = tasks[0].space.candidates[::7]
    for t in tasks[1:]:
        np.testing.assert_allclose(t.evaluate(X), tasks[0].evaluate(X))
        assert t.max_hypervolume == pytest.approx(tasks[0].max_hypervolume)


def test_evaluate_reads_the_row_of_each_cell(csv, frame):
    task = NB201TableTask(csv, ["cifar10_test_acc", "energy_mj"])
    rng = np.random.default_rng(1)
    rows = rng.integers(0, len(frame), 50)
    X = nb201.encode_many(frame["arch"].iloc[rows])
    np.testing.assert_allclose(task.evaluate(X), frame[["cifar10_test_acc", "energy_mj"]].to_numpy()[rows])
    np.testing.assert_array_equal(task.lookup(X)["index"], rows)
    assert task.evaluate(X[0]).shape == (1, 2)
    assert task.space.n_candidates == len(frame) and task.space.names == nb201.EDGE_NAMES


def test_lookup_errors(csv, frame):
    task = NB201TableTask(csv, ["cifar10_test_acc", "energy_mj"])
    missing = next(c for c in nb201.all_cells() if c.tolist() not in task.codes.tolist())
    with pytest.raises(InvalidInputError, match="not one of the space's 300 candidates"):
        task.evaluate(missing[None, :])
    with pytest.raises(InvalidInputError, match=r"shape \(n x 6\)"):
        task.evaluate(np.zeros((2, 5)))
    with pytest.raises(InvalidInputError, match="must lie in"):
        task.evaluate([[0, 0, 0, 0, 0, 7]])


def test_directions_and_default_reference_point(csv, frame):
    task = NB201TableTask(csv, ["cifar10_test_acc", "cifar100_test_acc", "latency_ms_dev", "energy_mj",
                                "fraction_acc", "mystery:max"])
    assert [o.direction for o in task.objectives] == ["maximize", "maximize", "minimize", "minimize", "maximize",
                                                      "maximize"]
    # random guessing for accuracies (CIFAR-100 from the column's prefix; 1/10 for a column of
    # fractions), the worst table value otherwise
    expected = [10.0, 1.0, frame["latency_ms_dev"].max(), frame["energy_mj"].max(), 0.1, frame["mystery"].min()]
    np.testing.assert_allclose(task.ref_point, expected)
    np.testing.assert_allclose(task.ideal_point, [frame["cifar10_test_acc"].max(), frame["cifar100_test_acc"].max(),
                                                  frame["latency_ms_dev"].min(), frame["energy_mj"].min(),
                                                  frame["fraction_acc"].max(), frame["mystery"].max()])
    flipped = NB201TableTask(csv, ["latency_ms_dev:max", "cifar10_test_acc:min"])
    assert [o.direction for o in flipped.objectives] == ["maximize", "minimize"]
    np.testing.assert_allclose(flipped.ref_point, [frame["latency_ms_dev"].min(), frame["cifar10_test_acc"].max()])


def test_unknown_and_ambiguous_objectives(csv):
    with pytest.raises(InvalidInputError, match=r"unknown objective 'cifar10_acc'.*cifar10_test_acc.*latency_ms_dev"
                                                r".*computed: params, flops"):
        NB201TableTask(csv, ["cifar10_acc", "flops"])
    with pytest.raises(InvalidInputError, match=r"'mystery:max' or 'mystery:min'"):
        NB201TableTask(csv, ["cifar10_test_acc", "mystery"])
    with pytest.raises(InvalidInputError, match="not numeric"):
        NB201TableTask(csv, ["cifar10_test_acc", "note:min"])
    with pytest.raises(InvalidInputError, match="distinct"):
        NB201TableTask(csv, ["energy_mj", "energy_mj:min"])


def test_short_names_take_the_dataset_prefix(csv):
    task = NB201TableTask(csv, "test_acc,energy_mj", dataset="cifar100")
    assert [o.name for o in task.objectives] == ["cifar100_test_acc", "energy_mj"]
    assert task.columns == {"test_acc": "cifar100_test_acc", "energy_mj": "energy_mj"}
    assert task.ref_point[0] == 1.0


def test_computed_params_and_flops(tmp_path, frame):
    pytest.importorskip("torch")
    frame = pd.concat([frame, pd.DataFrame({"arch": [CELL0], "cifar10_test_acc": [85.0], "cifar100_test_acc": [60.0],
                                            "energy_mj": [3.0]})], ignore_index=True)
    task = NB201TableTask(frame, ["cifar10_test_acc", "flops", "params"])
    y = task.evaluate(nb201.encode(CELL0))[0]
    assert y[1] == pytest.approx(15.64736) and y[2] == pytest.approx(0.129306)
    assert [o.direction for o in task.objectives] == ["maximize", "minimize", "minimize"]
    assert task.ref_point[1] == pytest.approx(task.table["flops"].max())
    c100 = NB201TableTask(frame, ["cifar100_test_acc", "flops"], dataset="cifar100")
    assert c100.evaluate(nb201.encode(CELL0))[0, 1] == pytest.approx(15.64736 + 90 * 64 / 1e6)
    with pytest.warns(UserWarning, match="computed for 10 classes.*'cifar100_test_acc'.*100 classes"):
        NB201TableTask(frame, ["cifar100_test_acc", "params"])  # the default dataset is cifar10
    own = frame.assign(flops=1.0 + np.arange(len(frame)))  # a table column of that name wins
    assert NB201TableTask(own, ["cifar10_test_acc", "flops"]).evaluate(nb201.encode(CELL0))[0, 1] == len(frame)


def brute_force_hv_2d(F, ref):
    """Hypervolume of 2-D minimization points by sweeping (independent of moocore)."""
    F = F[(F < ref).all(axis=1)]
    F = F[np.argsort(F[:, 0])]
    hv, best_y = 0.0, ref[1]
    for x, y in F:
        if y < best_y:
            hv += (ref[0] - x) * (best_y - y)
            best_y = y
    return hv


def test_max_hypervolume_and_exact_front(csv, frame):
    task = NB201TableTask(csv, ["cifar10_test_acc", "latency_ms_dev"])
    sign = np.array([-1.0, 1.0])
    F, ref = task.Y * sign, task.ref_point * sign
    assert task.max_hypervolume == pytest.approx(brute_force_hv_2d(F, ref))
    front = task.exact_pareto_front()
    assert list(front.columns) == ["arch", "cifar10_test_acc", "latency_ms_dev"] and len(front) >= 2
    assert front["cifar10_test_acc"].is_monotonic_decreasing  # sorted by the first objective, best first
    Ff = front[["cifar10_test_acc", "latency_ms_dev"]].to_numpy() * sign
    assert hypervolume(Ff, ref) == pytest.approx(task.max_hypervolume)
    for f in Ff:  # no table row dominates a front point
        assert not ((F <= f).all(axis=1) & (F < f).any(axis=1)).any()
    np.testing.assert_array_equal(nb201.encode_many(front["arch"]), task.codes[front.index])


def test_reference_point_override(csv):
    task = NB201TableTask(csv, ["cifar10_test_acc", "latency_ms_dev"], ref_point=[50.0, 20.0])
    assert task.ref_point.tolist() == [50.0, 20.0]
    with pytest.raises(InvalidInputError, match="cannot be dominated"):
        NB201TableTask(csv, ["cifar10_test_acc", "latency_ms_dev"], ref_point=[99.0, 20.0])
    with pytest.raises(InvalidInputError, match="shape"):
        NB201TableTask(csv, ["cifar10_test_acc", "latency_ms_dev"], ref_point=[50.0])


def test_missing_file_is_named(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(TableNotFoundError, match="nope.csv") as info:
        NB201TableTask(path, ["cifar10_test_acc", "flops"])
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, ValueError)
    (tmp_path / "table.xlsx").write_text("")
    with pytest.raises(InvalidInputError, match="cannot tell the format"):
        NB201TableTask(tmp_path / "table.xlsx", ["cifar10_test_acc", "flops"])


def test_bad_rows_are_named(tmp_path, frame):
    bad = frame.copy()
    bad.loc[7, "arch"] = "|nor_conv_3x3~0|+|oops~0|none~1|+|none~0|none~1|none~2|"
    with pytest.raises(InvalidInputError, match=r"row 7: .*unknown op 'oops'"):
        NB201TableTask(bad, ["cifar10_test_acc", "energy_mj"])
    dup = frame.copy()
    dup.loc[9, "arch"] = dup.loc[3, "arch"]
    with pytest.raises(InvalidInputError, match="same cell twice: rows 3 and 9"):
        NB201TableTask(dup, ["cifar10_test_acc", "energy_mj"])
    with pytest.raises(InvalidInputError, match="no 'arch' column"):
        NB201TableTask(frame.drop(columns="arch"), ["cifar10_test_acc", "energy_mj"])


def test_nan_metrics(frame):
    holes = frame.copy()
    holes.loc[[4, 11], "energy_mj"] = np.nan
    with pytest.raises(InvalidInputError, match=r"'energy_mj' in 2 rows \(e.g. \[4, 11\]\)"):
        NB201TableTask(holes, ["cifar10_test_acc", "energy_mj"])
    NB201TableTask(holes, ["cifar10_test_acc", "latency_ms_dev"])  # other columns are unaffected
    task = NB201TableTask(holes, ["cifar10_test_acc", "energy_mj"], on_nan="drop")
    assert task.space.n_candidates == len(frame) - 2 and task.n_dropped == 2
    assert not np.isnan(task.Y).any()


def test_datasets(frame):
    with pytest.raises(InvalidInputError, match="unknown dataset 'svhn'"):
        NB201TableTask(frame, ["cifar10_test_acc", "energy_mj"], dataset="svhn")
    task = NB201TableTask(frame, ["fraction_acc", "energy_mj"], dataset="svhn", num_classes=4, input_size=32)
    assert task.ref_point[0] == 0.25 and task.describe()["dataset"] == "svhn"
    assert NB201TableTask(frame, ["cifar10_test_acc", "energy_mj"], dataset="imagenet16_120").num_classes == 120


def test_describe_is_json(csv):
    task = NB201TableTask(csv, ["cifar10_test_acc", "latency_ms_dev"])
    d = json.loads(json.dumps(task.describe()))
    assert d["n_cells"] == 300 and d["objectives"] == ["cifar10_test_acc:max", "latency_ms_dev:min"]
    assert d["max_hypervolume"] == pytest.approx(task.max_hypervolume)
    assert "NB201TableTask" in repr(task)
    assert task.connected.sum() == d["n_cells"] - d["n_disconnected"]
    assert len(np.unique(task.isomorphism_class)) <= 300


@pytest.mark.parametrize("features", ["raw", "onehot"])
def test_samplers_and_lamoo_run_unchanged(csv, features):
    from lamoo import LaMOO, optimize
    from samplers import RandomSampler

    task = NB201TableTask(csv, ["cifar10_test_acc", "latency_ms_dev"])
    for sampler in (RandomSampler(), LaMOO(RandomSampler(), features=features, leaf_size=5)):
        res = optimize(task, sampler, budget=40, n_init=10, batch_size=5, seed=0)
        assert res.X.shape == (40, 6) and len({tuple(x) for x in res.X}) == 40  # no cell twice
        np.testing.assert_allclose(res.Y, task.evaluate(res.X))
        assert 0 < res.hypervolume() <= task.max_hypervolume + 1e-9


def test_study_journal_round_trip(tmp_path, csv):
    from lamoo import Study
    from samplers import RandomSampler

    task = NB201TableTask(csv, ["cifar10_test_acc", "latency_ms_dev"])
    journal = tmp_path / "run.jsonl"
    study = Study(task, RandomSampler(), seed=0, journal=journal)
    X = study.ask(5)
    study.tell(X, task.evaluate(X))
    again = Study.load(journal, NB201TableTask(csv, ["cifar10_test_acc", "latency_ms_dev"]), RandomSampler())
    np.testing.assert_array_equal(again.result().X, X)


# ------------------------------------------------------------------ the shared NAS-Bench-201 table
def test_shared_table(shared_table):
    task = NB201TableTask(shared_table, ["cifar10_test_acc", "flops", "params"], dataset="cifar10")
    assert task.space.n_candidates == 15625
    np.testing.assert_array_equal(task.table["index"], np.arange(15625))  # row i is NAS-Bench-201 index i
    y = task.evaluate(nb201.encode(CELL0))[0]
    assert y.tolist() == pytest.approx([85.8633, 15.64736, 0.129306])
    assert task.table["flops"].min() == pytest.approx(7.78304) and task.table["flops"].max() == pytest.approx(220.11968)
    assert task.table["params"].min() == pytest.approx(0.073306) and task.table["params"].max() == pytest.approx(1.531546)
    assert (~task.connected).sum() == 341
    assert task.table.loc[~task.connected, "cifar10_test_acc"].max() < 11  # disconnected cells guess at random
    rng = np.random.default_rng(0)
    X = task.space.candidates[rng.integers(0, 15625, 100_000)]
    np.testing.assert_array_equal(task.rows(X), task.space.candidate_index(X))
    assert task.max_hypervolume > 0 and len(task.exact_pareto_front()) > 0


def test_shared_table_benchmark_tasks(shared_table):
    for objectives, dataset in ((["cifar100_test_acc", "params"], "cifar100"),
                                (["cifar10_test_acc", "latency_ms_fpga"], "cifar10"),
                                (["cifar10_test_acc", "params", "latency_ms_raspi4"], "cifar10")):
        task = NB201TableTask(shared_table, objectives, dataset=dataset)
        assert task.max_hypervolume > 0
        assert task.ref_point[0] == 100 / (100 if dataset == "cifar100" else 10)


def test_results_name_each_cell_in_the_python_api(csv, frame, tmp_path):
    from lamoo import optimize
    from lamoo.result import Result
    from samplers import RandomSampler

    task = NB201TableTask(csv, ["cifar10_test_acc", "energy_mj"])
    res = optimize(task, RandomSampler(), budget=12, seed=0, journal=tmp_path / "run.jsonl")
    table = res.to_frame()
    assert list(table.columns[:2]) == ["arch", "table_index"]
    np.testing.assert_array_equal(nb201.encode_many(table["arch"]), res.X)
    np.testing.assert_array_equal(frame.set_index("arch").loc[table["arch"], "index"], table["table_index"])
    assert list(res.pareto_front().columns[:2]) == ["arch", "table_index"]
    assert Result.from_journal(tmp_path / "run.jsonl").labels is None
    back = Result.from_journal(tmp_path / "run.jsonl", task)
    assert back.labels.equals(res.labels)
    assert res.igd() >= 0 and res.front.shape == (len(task.exact_pareto_front()), 2)


def test_point_labels_without_an_index_column_are_rows_of_the_table_as_read(frame):
    frame = frame.drop(columns="index")
    frame.loc[3, "energy_mj"] = np.nan  # dropped: the rows after it keep their row number in the file
    task = NB201TableTask(frame, ["cifar10_test_acc", "energy_mj"], on_nan="drop")
    X = nb201.encode_many(frame["arch"].iloc[[2, 4, 299]])
    assert task.point_labels(X)["table_index"].tolist() == [2, 4, 299]
