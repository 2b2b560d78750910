"""The README's two set-up commands exist and CI runs the test one verbatim."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    return [line for block in blocks for line in block.splitlines() if "pip install torch==2.13.0" in line]


def test_readme_gives_a_main_command_and_a_test_command():
    commands = readme_commands()
    assert any("lamoo " in c and "pytest" not in c for c in commands), commands
    assert any("pytest" in c for c in commands), commands


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = next(c for c in readme_commands() if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_torch_is_pinned_before_anything_can_pull_it():
    for command in readme_commands():
        assert command.index("pip install torch==2.13.0") < command.index("pip install '.")
