"""caa_engine ships its type hints (PEP 561): py.typed sits in the package and the package data names it."""

from __future__ import annotations

from pathlib import Path

import caa_engine


def test_the_package_ships_py_typed_so_type_checkers_read_its_hints() -> None:
    assert (Path(caa_engine.__file__).parent / "py.typed").is_file()
    lines = Path("pyproject.toml").read_text(encoding="utf-8").splitlines()
    package_data = lines[lines.index("[tool.setuptools.package-data]") + 1]
    assert package_data.startswith("caa_engine = [") and '"py.typed"' in package_data
