"""The git commit a run records: ``-dirty`` only when code, not benchmark results, changed."""
import shutil
import subprocess

import pytest

from lamoo.bench import provenance

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(root, *args):
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                   check=True, capture_output=True)


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / "benchmarks" / "results" / "grid").mkdir(parents=True)
    (tmp_path / "benchmarks" / "results" / "grid" / "grid.json").write_text("{}\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "one")
    monkeypatch.setattr(provenance, "CODE_ROOT", tmp_path)
    provenance.git_commit.cache_clear()
    yield tmp_path
    provenance.git_commit.cache_clear()


def test_results_changes_leave_the_commit_clean_and_code_changes_do_not(checkout):
    head = provenance.git_commit()
    assert len(head) == 40
    (checkout / "benchmarks" / "results" / "grid" / "grid.json").write_text('{"commands": []}\n')
    (checkout / "benchmarks" / "results" / "new.md").write_text("untracked\n")
    provenance.git_commit.cache_clear()
    assert provenance.git_commit() == head
    (checkout / "code.py").write_text("x = 2\n")
    provenance.git_commit.cache_clear()
    assert provenance.git_commit() == head + "-dirty"
