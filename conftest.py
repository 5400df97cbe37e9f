"""Loads the step library of the policy scenarios in features/, the pytest plugin ``caa_engine.scenarios``.

Here, at the rootdir, rather than in features/conftest.py: pytest honours ``pytest_plugins`` only in a conftest
it meets before the run starts, and refuses one below the rootdir that it meets while collecting (``pytest .``).
A plugin's fixtures serve the whole run, so none of them is autouse; ``caa test`` loads the same plugin for
scenarios kept outside the project.
"""

pytest_plugins = ["caa_engine.scenarios"]
