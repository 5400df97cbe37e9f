"""The README stays true: its opening commands and its Python example."""

from __future__ import annotations

import json
import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_the_readme_opens_with_the_setup_and_run_command_then_the_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    assert (
        blocks[0].strip()
        == "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/caa assess fixtures/"
    )
    assert blocks[1].strip() == ".venv/bin/python -m pytest"
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert '"$venv/bin/python" -m pytest\n' in ci  # CI runs the README's test command


def test_the_readme_python_example_runs() -> None:
    (example,) = re.findall(r"```python\n(.*?)```", README, re.S)
    namespace: dict[str, object] = {}
    exec(compile(example, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    judged = json.loads(str(namespace["json_text"]))["elements"]["use_of_resources"]["bodies"]["x-dc"]
    assert (judged["score"], judged["label"]) == (2, "adequate")  # themes 3 and 2: two at 2 or above
