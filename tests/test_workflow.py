"""The GitHub Actions workflow that `ledger init` writes, and `validate --format github`."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import FIXTURES, invoke
from gitrepo import commit, edit, git, isolate, make_ledger_repo
from ledger.core.problems import Problem
from ledger.render import Output, render
from ledger.render.problems import GITHUB_ANNOTATION_LIMIT, Report, github_line

WORKFLOW = files("ledger") / "data" / "workflow.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    doc: dict[str, Any] = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    return doc


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    result: list[dict[str, Any]] = job["steps"]
    return result


def run_step(workflow: dict[str, Any], command: str) -> dict[str, Any]:
    (step,) = [s for s in steps(workflow) if command in s.get("run", "")]
    return step


def test_triggers_on_push_and_pull_request(workflow: dict[str, Any]) -> None:
    assert set(workflow["on"]) == {"push", "pull_request"}
    # Quoted, so that YAML 1.1 readers (PyYAML, many linters) do not read `on` as true.
    assert '\n"on":\n' in WORKFLOW.read_text(encoding="utf-8")
    assert workflow["permissions"] == {"contents": "read"}


def test_steps(workflow: dict[str, Any]) -> None:
    uses = [s["uses"].split("@")[0] for s in steps(workflow) if "uses" in s]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/cache"]
    # The cache action keeps the folder where ledger caches checked records.
    # The cache lives outside the checkout; the runner context is not available
    # in a job's env, so a step sets it for the later ones.
    (job,) = workflow["jobs"].values()
    assert "env" not in job
    cache = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == "${{ runner.temp }}/ledger-cache"
    place = run_step(workflow, "GITHUB_ENV")
    assert place["run"] == 'echo "LEDGER_CACHE_DIR=$RUNNER_TEMP/ledger-cache" >> "$GITHUB_ENV"'
    assert steps(workflow).index(place) < steps(workflow).index(cache)
    assert cache["with"]["restore-keys"] == "ledger-"  # the latest cache of any commit
    checkout = steps(workflow)[0]
    assert checkout["with"]["fetch-depth"] == 0  # the base branch is needed for `ledger diff`
    install = run_step(workflow, "pip install")
    assert 'pip install "$LEDGER_INSTALL"' in install["run"]
    assert install["env"]["LEDGER_INSTALL"].startswith("${{ vars.LEDGER_INSTALL || ")
    assert not [s for s in steps(workflow) if "pip install incident-ledger" in s.get("run", "")]
    runs = [s["run"] for s in steps(workflow) if "run" in s]
    assert runs.index("ledger validate --format github") < runs.index("ledger fmt --check")
    fmt_step = run_step(workflow, "ledger fmt --check")
    assert "!cancelled()" in fmt_step["if"]  # reported even when validation failed


def test_pull_requests_get_the_diff_in_the_job_summary(workflow: dict[str, Any]) -> None:
    step = run_step(workflow, "ledger diff")
    assert "github.event_name == 'pull_request'" in step["if"]
    assert step["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    assert step["run"] == ('ledger diff "origin/$BASE_REF...HEAD" --format markdown '
                           '>> "$GITHUB_STEP_SUMMARY"')


def test_readme_recipe_is_the_workflow(workflow: dict[str, Any]) -> None:
    from ledger.store.scaffold import workflow_text

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    # As `ledger init` writes it when it knows no public source of the tool.
    assert workflow_text(WORKFLOW.read_text(encoding="utf-8"), "").strip() in readme


def test_workflow_commands_run_on_a_pull_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 workflow: dict[str, Any]) -> None:
    """The run: steps after the install, executed by bash as the runner would,
    in a clone whose origin has the base branch."""
    isolate(monkeypatch)
    make_ledger_repo(tmp_path / "upstream")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(tmp_path / "upstream"), str(work))
    git(work, "checkout", "-q", "-b", "pr")
    edit(work / "incidents/2020/2020-04-18-shuraev-arrested-y3np.yaml",
         "status: likely", "status: confirmed")
    commit(work, "Confirm Shuraev")
    summary = tmp_path / "summary.md"
    runner_temp = tmp_path / "runner-temp"
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), "GITHUB_ENV": str(tmp_path / "github-env"),
           "GITHUB_STEP_SUMMARY": str(summary), "BASE_REF": "main",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for step in steps(workflow):
        command = step.get("run", "")
        if "GITHUB_ENV" in command:  # as the runner does: later steps get what it wrote
            subprocess.run(["bash", "-ec", command], env=env, check=True)
            name, _, value = (tmp_path / "github-env").read_text(encoding="utf-8").strip().partition("=")
            env[name] = value
        if not command.startswith("ledger"):
            continue
        proc = subprocess.run(["bash", "-ec", command], cwd=work, env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
    assert list((runner_temp / "ledger-cache").glob("*/memo-*.sqlite"))  # what the cache step saves
    assert not (work / ".ledger-cache").exists()
    assert git(work, "status", "--porcelain") == ""  # and git does not see it
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("**0 added, 0 removed, 1 changed**")
    assert "| `status` | likely | confirmed |" in text


# -- validate --format github ------------------------------------------------------------

def _github(problems: list[Problem], *, strict: bool = False) -> list[str]:
    stream = io.StringIO()
    render("problems", "github", Report(files=5, problems=problems, strict=strict), Output(stream=stream))
    return stream.getvalue().splitlines()


def test_escaping() -> None:
    p = Problem("incidents/a:b,c%.yaml", 3, 7, "schema,code", "50% done\r\nnext: line",
                hint="fix, then: go")
    assert github_line(p) == ("::error file=incidents/a%3Ab%2Cc%25.yaml,line=3,col=7,"
                              "title=schema%2Ccode::50%25 done%0D%0Anext: line%0Afix, then: go")
    assert github_line(Problem("x.yaml", 0, 0, "c", "m", severity="warning")) == \
        "::warning file=x.yaml,title=c::m"


def test_annotation_limits_most_useful_first_all_in_log() -> None:
    errors = [Problem(f"incidents/{f}.yaml", line, 1, "schema-enum", f"bad {f} {line}")
              for f in ("a", "b", "c") for line in range(1, 9)]
    warnings = [Problem(f"incidents/w{i}.yaml", 1, 1, "date-in-future", "soon", severity="warning")
                for i in range(12)]
    lines = _github(errors + warnings)
    annotated = [ln for ln in lines if ln.startswith("::error ")]
    assert len(annotated) == GITHUB_ANNOTATION_LIMIT
    # Every broken file is annotated before any file gets a second annotation.
    assert [ln.split(",")[0] for ln in annotated[:3]] == [
        "::error file=incidents/a.yaml", "::error file=incidents/b.yaml", "::error file=incidents/c.yaml"]
    assert len([ln for ln in lines if ln.startswith("::warning ")]) == GITHUB_ANNOTATION_LIMIT
    logged = [ln for ln in lines if ": error: " in ln or ": warning: " in ln]
    assert len(logged) == len(errors) + len(warnings)
    assert lines[-1] == ("annotations: 10 of 24 errors, 10 of 12 warnings shown (GitHub shows 10 of "
                         "each per step); all 36 problems are listed above")


def test_strict_annotates_warnings_as_errors() -> None:
    lines = _github([Problem("x.yaml", 1, 1, "date-in-future", "soon", severity="warning")], strict=True)
    assert lines[0].startswith("::error file=x.yaml")
    assert not any(ln.startswith("annotations:") for ln in lines)


def test_validate_github_from_the_cli(ledger_dir: Path) -> None:
    (ledger_dir / "incidents" / "fixtures").mkdir()
    for fixture in sorted((FIXTURES / "invalid").glob("*.yaml")):
        shutil.copyfile(fixture, ledger_dir / "incidents" / "fixtures" / fixture.name)
    result = invoke(["validate", "--format", "github"], cwd=ledger_dir)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    annotated = [ln for ln in lines if ln.startswith("::error ")]
    assert len(annotated) == GITHUB_ANNOTATION_LIMIT
    assert len({ln.split(",")[0] for ln in annotated}) == GITHUB_ANNOTATION_LIMIT
    assert all(ln.startswith("::error file=incidents/fixtures/") for ln in annotated)
    report = json.loads(invoke(["validate", "--format", "json"], cwd=ledger_dir).stdout)
    logged = [ln for ln in lines if ": error: " in ln or ": warning: " in ln]
    assert len(logged) == len(report["problems"]) > GITHUB_ANNOTATION_LIMIT
    assert lines[-1].startswith("annotations: 10 of ")
