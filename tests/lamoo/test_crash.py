"""Crash tests: a real ``lamoo optimize`` process killed (SIGKILL), mid-write included, then resumed.

The machinery is ``benchmarks/crash_resume.py``, which also measures it at scale."""
import numpy as np
import pytest

from benchmarks import crash_resume as cr
from lamoo.cli import main


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return cr.reference_run(tmp_path_factory.mktemp("reference"), budget=25)


@pytest.mark.parametrize("kill_at_write, cut", [(6, 0.5)])
def test_a_run_killed_in_the_middle_of_a_tell_resumes_to_the_uninterrupted_archive(tmp_path, reference, capsys,
                                                                                    kill_at_write, cut):
    # writes: 1 the header, 2 join, 3 ask 0 (the initial design), 4 its 10 evaluations, 5 ask 1, 6 its 5 evaluations
    out, log = tmp_path / "run", tmp_path / "evaluations.jsonl"
    code = cr.run_child(cr.lamoo_args(out, log, 25), ["--kill-at-write", str(kill_at_write), "--cut", str(cut)], None)
    assert code == -9
    snap = cr.snapshot(out, log)
    assert snap.cut_line and 10 < len(snap.told) < 15 and 0 < len(snap.pending) < 5  # a batch cut in two
    with pytest.warns(RuntimeWarning, match="truncated last line"):
        assert main(cr.resume_args(out)) == 0
    trial = cr.Trial(kills=1)
    cr._account(trial, [snap], out, log, reference)
    assert (trial.lost, trial.repaid_journaled) == (0, 0)  # nothing journaled was lost or paid twice
    assert (trial.in_flight_batches, trial.completed_first) == (1, 1)  # the cut batch was completed first
    assert trial.identical


@pytest.mark.slow
def test_twenty_random_kill_and_resume_trials(tmp_path, reference):
    rng = np.random.default_rng(2024)
    trials = [cr.run_trial(tmp_path / f"t{k}", 25, rng, max_kills=2, reference=reference) for k in range(20)]
    summary = cr.summarize(trials)
    assert summary["kills"] >= 20 and summary["kills_that_left_a_cut_line"] >= 1, summary
    assert summary["lost"] == 0 and summary["repaid_journaled"] == 0, summary
    assert summary["completed_first"] == summary["in_flight_batches"], summary
    assert summary["identical_archives"] == "20/20", summary
