"""The command's contact with files, terminals and signals (issues 9 and 10): each test feeds the exact input.

A round that streams (--out-dir, --jobs), terminal escapes shown as escapes, atomic writes that never overwrite an
input, one read per bundle (FIFOs, standard input), the input size limit, and Ctrl-C.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from caa_engine import assess
from caa_engine._io import atomic_writer, visible
from caa_engine.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CHELTENHAM = ROOT / "fixtures" / "cheltenham.yaml"
FIXTURES = sorted(p for p in (ROOT / "fixtures").iterdir() if p.suffix == ".yaml")
ESCAPES = "\x1b[2J\x1b]0;title\x07"


def caa(*args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> Result:  # noqa: A002
    backend = ["--backend", "native"] if args[0] == "assess" else []
    outcome = CliRunner().invoke(cli, [*args, *backend], input=input, env=env)
    if outcome.exception is not None and not isinstance(outcome.exception, SystemExit):
        raise outcome.exception
    return outcome


def script(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the console entry point in a fresh interpreter after ``code`` (which may patch anything)."""
    program = f"import sys\nsys.argv = ['caa', *sys.argv[1:]]\n{code}\nfrom caa_engine.cli import main\nmain()\n"
    return subprocess.run(
        [sys.executable, "-c", program, *args, "--backend", "native"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


def bundle_text(name: str = "Cheltenham", body: str = "cheltenham-bc") -> str:
    text = CHELTENHAM.read_text(encoding="utf-8")
    return text.replace("name: Cheltenham\n", f"name: {json.dumps(name)}\n", 1).replace(
        "- body: cheltenham-bc", f"- body: {json.dumps(body)}", 1
    )


# --- a round that streams: --out-dir and --jobs --------------------------------------------------------------


def test_out_dir_writes_one_report_per_bundle_named_after_it(tmp_path: Path) -> None:
    outcome = caa("assess", "fixtures", "--format", "json", "--out-dir", str(tmp_path / "out"), "--jobs", "1")
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (0, "", "")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{p.stem}.json" for p in FIXTURES)
    for bundle in FIXTURES:
        single = caa("assess", f"fixtures/{bundle.name}", "--format", "json").stdout
        assert (tmp_path / "out" / f"{bundle.stem}.json").read_text(encoding="utf-8") == single


@pytest.mark.parametrize("kind", ["text", "json", "html"])
def test_two_jobs_give_the_same_bytes_as_one_in_input_order(tmp_path: Path, kind: str) -> None:
    serial = caa("assess", "fixtures", "--format", kind, "--jobs", "1")
    parallel = caa("assess", "fixtures", "--format", kind, "--jobs", "2")
    assert serial.exit_code == parallel.exit_code == 0
    assert parallel.stdout == serial.stdout
    caa("assess", "fixtures", "--format", kind, "--out-dir", str(tmp_path / "one"), "--jobs", "1")
    caa("assess", "fixtures", "--format", kind, "--out-dir", str(tmp_path / "two"), "--jobs", "2")
    for report in (tmp_path / "one").iterdir():
        assert (tmp_path / "two" / report.name).read_bytes() == report.read_bytes()


def test_the_json_array_is_written_without_parsing_results_back_but_with_the_same_bytes() -> None:
    results = [assess(f"fixtures/{path.name}", backend="native") for path in FIXTURES]
    expected = json.dumps([json.loads(r.to_json()) for r in results], indent=2, ensure_ascii=False) + "\n"
    assert caa("assess", "fixtures", "--format", "json", "--jobs", "1").stdout == expected


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bad_bundle_in_an_out_dir_round_is_reported_and_every_other_area_is_written(
    tmp_path: Path, jobs: str
) -> None:
    folder = tmp_path / "round"
    folder.mkdir()
    for bundle in FIXTURES[:3]:
        shutil.copy(bundle, folder / bundle.name)
    (folder / "b_bad.yaml").write_text(bundle_text(body="nobody"), encoding="utf-8")
    line = next(n for n, text in enumerate(bundle_text(body="nobody").splitlines(), 1) if '"nobody"' in text)
    column = bundle_text(body="nobody").splitlines()[line - 1].index('"nobody"') + 1
    outcome = caa("assess", str(folder), "--out-dir", str(tmp_path / "out"), "--jobs", jobs)
    assert outcome.exit_code == 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{p.stem}.txt" for p in FIXTURES[:3])
    assert outcome.stderr.splitlines()[:2] == [
        "1 evidence error occurred:",
        f"{folder}/b_bad.yaml:{line}:{column}: unknown-body: this assessment is for body 'nobody', which is not listed "
        "under 'bodies'",
    ]
    assert outcome.stderr.splitlines()[-1] == f"caa: 3 areas judged and written to {tmp_path / 'out'}, 1 refused"


def test_two_bundles_that_would_share_a_report_file_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(CHELTENHAM, tmp_path / sub / "area.yaml")
    outcome = caa("assess", str(tmp_path / "a"), str(tmp_path / "b"), "--out-dir", str(tmp_path / "out"))
    assert outcome.exit_code == 2
    assert outcome.stderr == (
        f"caa: error: '{tmp_path}/a/area.yaml' and '{tmp_path}/b/area.yaml' would both be reported in "
        f"'{tmp_path}/out/area.txt': rename one, or assess them into different folders\n"
    )
    assert list((tmp_path / "out").iterdir()) == []


def test_out_and_out_dir_together_are_a_usage_error(tmp_path: Path) -> None:
    outcome = caa("assess", str(CHELTENHAM), "--out", str(tmp_path / "r"), "--out-dir", str(tmp_path))
    assert outcome.exit_code == 2
    assert "give --out FILE (one report) or --out-dir FOLDER (one per area), not both" in outcome.stderr


def test_no_progress_bar_or_other_extra_output_when_not_on_a_terminal(tmp_path: Path) -> None:
    outcome = caa("assess", "fixtures", "--out-dir", str(tmp_path), "--jobs", "2")
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (0, "", "")


# --- terminals: control characters shown as escapes (issue 10 item 4) -------------------------------------------


def test_escape_sequences_in_evidence_reach_the_text_report_as_visible_escapes(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(bundle_text(name=ESCAPES), encoding="utf-8")
    text = caa("assess", str(tmp_path / "b.yaml")).stdout
    assert "\x1b" not in text and "\x07" not in text
    assert text.splitlines()[0].startswith("\\x1b[2J\\x1b]0;title\\x07 (cheltenham) ═")


def test_escape_sequences_in_evidence_are_kept_exactly_in_json_and_escaped_by_html(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(bundle_text(name=ESCAPES), encoding="utf-8")
    as_json = caa("assess", str(tmp_path / "b.yaml"), "--format", "json").stdout
    assert as_json == assess(tmp_path / "b.yaml", backend="native").to_json()
    assert json.loads(as_json)["area"]["name"] == ESCAPES


def test_an_unknown_body_echoed_in_an_error_shows_its_escapes_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(bundle_text(body="\x1b[31mred"), encoding="utf-8")
    outcome = caa("assess", str(tmp_path / "b.yaml"))
    assert outcome.exit_code == 2 and "\x1b" not in outcome.stderr
    assert "this assessment is for body '\\x1b[31mred', which is not listed under 'bodies'" in outcome.stderr


def test_a_newline_in_a_file_name_cannot_start_a_line_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "a\nfake.yaml:1:1: error: forged.yaml").write_text("area: [\n", encoding="utf-8")
    outcome = caa("assess", str(tmp_path))
    assert outcome.exit_code == 2
    lines = outcome.stderr.splitlines()
    assert lines[1].startswith(f"{tmp_path}/a\\nfake.yaml:1:1: error: forged.yaml:")
    assert not any(line.startswith("fake.yaml") for line in lines)


def test_visible_names_each_control_character_and_leaves_ordinary_text_alone() -> None:
    assert visible("Cheltenham — café\t1\n\r\x00\x7f\x9b\u202e") == "Cheltenham — café\\t1\\n\\r\\x00\\x7f\\x9b\\u202e"
    assert visible(os.fsdecode(b"caf\xe9.yaml")) == "caf\\xe9.yaml"


# --- writes: atomic, never over an input, any file name (issue 10 item 5) ----------------------------------------


def test_out_over_its_own_bundle_is_refused_and_the_bundle_kept(tmp_path: Path) -> None:
    shutil.copy(CHELTENHAM, tmp_path / "b.yaml")
    outcome = caa("assess", str(tmp_path / "b.yaml"), "--out", str(tmp_path / "b.yaml"))
    assert outcome.exit_code == 2
    assert outcome.stderr == (
        f"caa: error: refusing to write the report over '{tmp_path}/b.yaml': it is an input of this command "
        f"(the evidence bundle '{tmp_path}/b.yaml'); write the report somewhere else\n"
    )
    assert (tmp_path / "b.yaml").read_bytes() == CHELTENHAM.read_bytes()


def test_out_over_a_hard_link_to_a_bundle_or_over_a_rule_file_is_refused(tmp_path: Path) -> None:
    shutil.copy(CHELTENHAM, tmp_path / "b.yaml")
    os.link(tmp_path / "b.yaml", tmp_path / "link.txt")
    assert caa("assess", str(tmp_path / "b.yaml"), "--out", str(tmp_path / "link.txt")).exit_code == 2
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    rule = tmp_path / "rules" / "overall.yaml"
    before = rule.read_bytes()
    outcome = caa("assess", str(tmp_path / "b.yaml"), "--rules", str(tmp_path / "rules"), "--out", str(rule))
    assert outcome.exit_code == 2 and f"(the rule file '{rule}')" in outcome.stderr
    assert rule.read_bytes() == before


def test_a_write_that_fails_halfway_leaves_the_old_report_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    target.write_text("the old report\n", encoding="utf-8")

    def half_then_full(source: object, stream: object) -> None:
        stream.write(b'{"half": ')  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("caa_engine.cli.shutil.copyfileobj", half_then_full)
    outcome = caa("assess", "fixtures", "--format", "json", "--out", str(target), "--jobs", "1")
    assert outcome.exit_code == 2
    assert outcome.stderr == f"caa: error: cannot write '{target}': No space left on device\n"
    assert target.read_text(encoding="utf-8") == "the old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_writer_killed_mid_write_leaves_the_old_report_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("the old report\n", encoding="utf-8")
    stall = (
        "import shutil, time\n"
        "def stall(source, stream):\n"
        "    stream.write(source.read(4096)); stream.flush()\n"
        "    sys.stderr.write('half written\\n'); sys.stderr.flush(); time.sleep(60)\n"
        "shutil.copyfileobj = stall\n"
    )
    program = f"import sys\nsys.argv = ['caa', *sys.argv[1:]]\n{stall}from caa_engine.cli import main\nmain()\n"
    args = ["assess", "fixtures", "--format", "json", "--out", str(target), "--backend", "native", "--jobs", "1"]
    process = subprocess.Popen([sys.executable, "-c", program, *args], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    assert process.stderr.readline() == "half written\n"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert target.read_text(encoding="utf-8") == "the old report\n"
    (leftover,) = [p for p in tmp_path.iterdir() if p != target]  # killed: nothing could remove its temporary file
    assert leftover.name.startswith(".report.json.") and leftover.name.endswith(".caa-tmp")


def test_atomic_writer_keeps_the_old_file_when_the_block_fails(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write(b"new, but not all of it")
        raise RuntimeError("stopped")
    assert target.read_text(encoding="utf-8") == "old" and len(list(tmp_path.iterdir())) == 1


def test_a_file_name_that_is_not_utf8_is_assessed_written_and_shown_with_its_bytes_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "round"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.yaml")
    shutil.copy(CHELTENHAM, folder / name)
    outcome = caa("assess", str(folder), "--format", "json", "--out", str(tmp_path / "r.json"))
    assert outcome.exit_code == 0, outcome.stderr
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))[0]["evidence"]["file"] == (
        f"{folder}/caf\\xe9.yaml"
    )
    assert f"evidence {folder}/caf\\xe9.yaml" in caa("assess", str(folder)).stdout
    assert caa("assess", str(folder), "--out-dir", str(tmp_path / "out")).exit_code == 0
    assert os.listdir(os.fsencode(tmp_path / "out")) == [b"caf\xe9.txt"]


# --- reading once: FIFOs and standard input (issue 10 item 6) -------------------------------------------------


def test_a_fifo_is_read_once_and_hashed_from_the_bytes_judged(tmp_path: Path) -> None:
    fifo = tmp_path / "bundle.yaml"
    os.mkfifo(fifo)
    data = CHELTENHAM.read_bytes()

    def feed() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    outcome = caa("assess", str(fifo), "--format", "json")
    writer.join(timeout=10)
    assert outcome.exit_code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["evidence"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_dash_reads_the_bundle_from_standard_input_named_stdin() -> None:
    data = CHELTENHAM.read_bytes()
    outcome = caa("assess", "-", "--format", "json", input=data)
    assert outcome.exit_code == 0, outcome.stderr
    evidence = json.loads(outcome.stdout)["evidence"]
    assert evidence == {"file": "<stdin>", "sha256": hashlib.sha256(data).hexdigest()}
    from_file = caa("assess", "fixtures/cheltenham.yaml", "--format", "json").stdout
    assert outcome.stdout.replace("<stdin>", "fixtures/cheltenham.yaml") == from_file


def test_standard_input_among_a_folder_with_two_jobs_is_read_once_in_order(tmp_path: Path) -> None:
    outcome = caa("assess", "fixtures", "-", "--format", "json", "--jobs", "2", input=CHELTENHAM.read_bytes())
    assert outcome.exit_code == 0, outcome.stderr
    assert [item["evidence"]["file"] for item in json.loads(outcome.stdout)][-1] == "<stdin>"


# --- a size limit before parsing (issue 10 item 7) ------------------------------------------------------------


def test_a_bundle_over_the_size_limit_is_refused_unparsed_with_the_limit_and_how_to_raise_it(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_bytes(b"# padding\n" * 200_000)  # larger than any rule file
    outcome = caa("assess", str(tmp_path / "big.yaml"), "--max-bytes", "1MiB")
    assert outcome.exit_code == 2
    assert outcome.stderr == (
        "1 evidence error occurred:\n"
        f"{tmp_path}/big.yaml: too-large: the file is 2,000,000 bytes, over the 1 MiB input size limit; "
        "it was not parsed\n"
        "    hint: raise the limit with --max-bytes SIZE (e.g. --max-bytes 256MiB) or the CAA_MAX_BYTES environment "
        "variable\n"
    )
    assert "too-large" in caa("assess", str(tmp_path / "big.yaml"), env={"CAA_MAX_BYTES": "1500000"}).stderr
    assert "too-large" not in caa("assess", str(tmp_path / "big.yaml"), "--max-bytes", "2000000").stderr


def test_dev_zero_is_refused_quickly_having_read_only_the_limit() -> None:
    started = time.monotonic()
    outcome = caa("assess", "/dev/zero", "--max-bytes", "1MiB")
    assert time.monotonic() - started < 10
    assert outcome.exit_code == 2
    assert "/dev/zero: too-large: the file holds more than 1,048,576 bytes, over the 1 MiB input size limit" in (
        outcome.stderr
    )


def test_a_rule_file_over_the_size_limit_is_refused_too(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    outcome = caa("check", str(tmp_path / "rules"), "--max-bytes", "2KiB")
    assert outcome.exit_code == 2
    assert "rules/indicators.yaml: too-large: the file is" in outcome.stderr


def test_a_size_that_is_not_a_size_is_a_usage_error() -> None:
    outcome = caa("assess", str(CHELTENHAM), "--max-bytes", "lots")
    assert outcome.exit_code == 2
    assert "'lots' is not a size" in outcome.stderr


# --- Ctrl-C (issue 10 item 9) ---------------------------------------------------------------------------------

INTERRUPT_DURING_IMPORT = """
import importlib.abc, os, signal
class Interrupt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "caa_engine.compile":
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, Interrupt())
"""

INTERRUPT_DURING_ASSESSMENT = """
import os, signal
import caa_engine.engine
real = caa_engine.engine.Engine.assess
PARENT = os.getpid()
def assess(self, bundle, *more):
    os.kill(PARENT, signal.SIGINT)
    return real(self, bundle, *more)
caa_engine.engine.Engine.assess = assess
"""

INTERRUPT_DURING_WRITE = """
import os, signal, shutil
def interrupted(source, stream):
    stream.write(source.read(100)); os.kill(os.getpid(), signal.SIGINT)
shutil.copyfileobj = interrupted
"""


@pytest.mark.parametrize(
    ("moment", "code", "jobs"),
    [
        ("import", INTERRUPT_DURING_IMPORT, "1"),
        ("assessment", INTERRUPT_DURING_ASSESSMENT, "1"),
        ("assessment-in-workers", INTERRUPT_DURING_ASSESSMENT, "2"),
        ("write", INTERRUPT_DURING_WRITE, "1"),
    ],
)
def test_ctrl_c_at_any_moment_exits_130_with_one_line(tmp_path: Path, moment: str, code: str, jobs: str) -> None:
    target = tmp_path / "report.json"
    target.write_text("the old report\n", encoding="utf-8")
    run = script(code, "assess", "fixtures", "--format", "json", "--out", str(target), "--jobs", jobs)
    assert (run.returncode, run.stdout, run.stderr) == (130, "", "caa: interrupted\n")
    assert target.read_text(encoding="utf-8") == "the old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # the temporary file was removed


def test_ctrl_c_during_start_up_exits_130_even_when_the_parent_started_it_ignoring_ctrl_c(tmp_path: Path) -> None:
    # A test runner's worker (or a background job) starts its children with SIGINT ignored; Python keeps it so,
    # and a Ctrl-C during the imports was lost: the command ran on and exited 0 (a flaky failure under xdist).
    import signal

    target = tmp_path / "report.json"
    target.write_text("the old report\n", encoding="utf-8")
    program = (
        f"import sys\nsys.argv = ['caa', *sys.argv[1:]]\n{INTERRUPT_DURING_IMPORT}\n"
        "from caa_engine.cli import main\nmain()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", program, "assess", "fixtures", "--out", str(target), "--backend", "native"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509 - the point of the test
    )
    assert (run.returncode, run.stdout, run.stderr) == (130, "", "caa: interrupted\n")
    assert target.read_text(encoding="utf-8") == "the old report\n"


def test_an_html_folder_run_writes_a_national_index_linking_every_area_page(tmp_path: Path) -> None:
    import re

    out = tmp_path / "out"
    outcome = caa("assess", "fixtures", "--format", "html", "--out-dir", str(out), "--jobs", "2")
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (0, "", "")
    pages = sorted(f"{p.stem}.html" for p in FIXTURES)
    assert sorted(p.name for p in out.iterdir()) == sorted([*pages, "index.html"])
    index = (out / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'href="([^"#]+\.html)"', index) == [f"{p.stem}.html" for p in FIXTURES]  # input order
    cheltenham = assess("fixtures/cheltenham.yaml", backend="native")
    assert cheltenham.area["name"] in index and cheltenham.overall is not None


def test_a_bundle_named_index_is_refused_in_an_html_folder_run_before_anything_is_written(tmp_path: Path) -> None:
    shutil.copy(ROOT / "fixtures" / "cheltenham.yaml", tmp_path / "index.yaml")
    out = tmp_path / "out"
    outcome = caa("assess", str(tmp_path / "index.yaml"), "--format", "html", "--out-dir", str(out))
    assert outcome.exit_code == 2
    assert "the national index of an HTML folder run: rename the bundle" in outcome.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bug_while_assessing_is_one_line_and_exit_1_never_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    # A worker process's exception came back through concurrent.futures as a traceback on the user's terminal.
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("a renderer bug")

    monkeypatch.setattr("caa_engine.round.render_piece", broken)  # forked workers inherit the patch
    outcome = caa("assess", "fixtures", "--format", "json", "--jobs", jobs)
    assert outcome.exit_code == 1 and outcome.stdout == ""
    assert outcome.stderr.splitlines() == [
        "caa: error: fixtures/ashcombe.yaml: the engine failed (RuntimeError: a renderer bug); "
        "this is a bug in caa-engine"
    ]
