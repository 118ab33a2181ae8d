"""The command line: readable and JSON answers, JSON lines on stdin, exit code 2 on bad input."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.edge import setup_logging
from tests.conftest import DEFAULT_POLICY, PROJECT_DIR
from tests.snapshot import ANSWER_KEYS, BELLACOR_PASSAGES, NOT_SOLD


def run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m bot ...`` in a fresh process, as a user types it."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=300, cwd=PROJECT_DIR)


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """One policy folder and index for the tests that only ask (none of them edits either)."""
    root = tmp_path_factory.mktemp("cli")
    (root / "policies").mkdir()
    shutil.copy(DEFAULT_POLICY, root / "policies" / "bellacor.md")
    return ["--policies", str(root / "policies"), "--index", str(root / "ix")]


def test_ask_prints_a_readable_answer_with_numbered_sources(dirs: list[str], capsys: pytest.CaptureFixture) -> None:
    assert main(["ask", "Do you sell my data?", *dirs]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Q: Do you sell my data?\nA: {NOT_SOLD}\n")
    assert "Sources:\n  [1] How information is used  (bellacor, characters " in out
    assert "  [2] " not in out, "the children's passage is far weaker than the answer: not a source"
    assert main(["ask", "What do you do with my data?", "--k", "3", *dirs]) == 0
    out = capsys.readouterr().out
    assert "  [3] " in out and "  [4] " not in out


def test_ask_json_honours_k_and_policy(dirs: list[str], capsys: pytest.CaptureFixture) -> None:
    assert main(["ask", "How do I unsubscribe?", "--json", "--k", "5", "--policy", "bellacor", *dirs]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ANSWER_KEYS
    assert data["policy"] == "bellacor" and data["kind"] == "answer"
    assert "unsubscribe.cfm" in data["answer"]
    assert main(["ask", "What do you do with my data?", "--json", "--k", "2", *dirs]) == 0
    assert len(json.loads(capsys.readouterr().out)["citations"]) == 2
    assert main(["ask", "What do you do with my data?", "--json", "--k", "5", *dirs]) == 0
    assert 4 <= len(json.loads(capsys.readouterr().out)["citations"]) <= 5


def test_index_prints_a_one_line_summary(policy_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    dirs = ["--policies", str(policy_dir), "--index", str(tmp_path / "ix")]
    assert main(["index", *dirs]) == 0
    first = capsys.readouterr()
    assert first.out.startswith(f"1 policy, {BELLACOR_PASSAGES} passages, ") and " MB (built: " in first.out
    assert main(["index", *dirs]) == 0
    assert "(up to date: " in capsys.readouterr().out


def test_json_lines_from_stdin_in_one_process(dirs: list[str], capsys: pytest.CaptureFixture,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    questions = ["Do you sell my data?", "", "What is your return policy?", "x" * 2001, "Do you use cookies?"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(questions) + "\n"))
    code = main(["ask", "--json", "-", *dirs])
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["question"][:20] for line in lines] == [q[:20] for q in questions if q]
    assert [line.get("answered") for line in lines] == [True, False, None, True]
    assert all(list(line) == ANSWER_KEYS for i, line in enumerate(lines) if i != 2)
    assert "2001 characters" in lines[2]["error"]
    assert code == 2, "a bad line is reported in place and in the exit code"
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "the question is empty"),
        (["ask", "Do you sell my data?", "--policy", "acme"], "unknown policy 'acme'; known policies: bellacor"),
        (["ask", "Do you sell my data?", "--k", "0"], "k=0 is out of range"),
        (["ask", "bell\x07"], "control character (U+0007)"),
    ],
)
def test_bad_input_exits_2_with_one_line(dirs: list[str], capsys: pytest.CaptureFixture, args, message) -> None:
    assert main(["index", *dirs]) == 0
    capsys.readouterr()
    assert main([*args, *dirs]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("policybot: error: ") and captured.err.count("\n") == 1
    assert message in captured.err


def test_bad_policy_folders_exit_2_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    assert main(["ask", "hi", "--policies", str(folder), "--index", str(tmp_path / "ix")]) == 2
    assert "holds no policy" in capsys.readouterr().err
    (folder / "bad.md").write_bytes(b"\xff\xfe privacy")
    assert main(["index", "--policies", str(folder), "--index", str(tmp_path / "ix")]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("policybot: error: policy file ") and "bad.md' is not UTF-8" in last
    assert not (tmp_path / "ix" / "manifest.json").exists()


def test_entry_point_runs_as_a_fresh_process(dirs: list[str]) -> None:
    result = run(["ask", "", *dirs])
    assert result.returncode == 2
    assert result.stderr.strip() == "policybot: error: the question is empty; ask something like 'Do you sell my data?'"
    result = run(["ask", "Do you use cookies?", "--json", *dirs])
    assert result.returncode == 0 and json.loads(result.stdout)["answered"] is True


def test_a_bad_setting_exits_2_with_one_line() -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "POLICYBOT_K": "abc"}
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "x"], capture_output=True, text=True, env=env,
                            timeout=300, cwd=PROJECT_DIR)
    assert result.returncode == 2
    assert result.stderr == "policybot: error: POLICYBOT_K='abc' is not a whole number; unset it or set e.g. " \
                            "POLICYBOT_K=3\n"


def test_importing_bot_leaves_the_environment_alone(tmp_path: Path) -> None:
    code = ("import json, os; before = dict(os.environ); import bot; "
            "print(json.dumps(sorted(set(os.environ.items()) ^ set(before.items()))))")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(PROJECT_DIR)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                            cwd=tmp_path, check=True)
    assert json.loads(result.stdout) == []


def test_logging_is_set_up_once_however_often_an_edge_starts() -> None:
    """``policybot serve`` goes through the CLI's edge and the server's: each line is logged once."""
    setup_logging()
    setup_logging()
    assert sum(getattr(h, "policybot", False) for h in logging.getLogger("bot").handlers) == 1


SHOP = """# Shop privacy

## Selling

We never sell your personal information to anyone.

## Retention

We keep your order history for 30 days after your last order.
"""


def test_changes_compares_the_latest_version_with_the_one_before(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    policy = tmp_path / "policies" / "shop.md"
    policy.parent.mkdir()
    policy.write_text(SHOP, encoding="utf-8")
    args = ["changes", "--policies", str(policy.parent), "--index", str(tmp_path / "ix"), "--data", str(tmp_path / "d")]
    assert main(args) == 2, "one version kept: nothing to compare it with"
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("policybot: error: policy 'shop' has only one version kept") and str(tmp_path / "d") in err
    policy.write_text(SHOP.replace("30 days", "24 months") + "\n## Cookies\n\nWe use cookies to remember your cart.\n",
                      encoding="utf-8")
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("shop: updated ") and "2 changes: 1 added, 0 removed, 1 changed" in out
    assert "We keep your order history for [-30 days-] {+24 months+} after your last order." in out
    assert "{+We use cookies to remember your cart.+}" in out and "retention: " in out
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["policy"] == "shop" and data["counts"] == {"added": 1, "removed": 0, "changed": 1}
    assert data["from"]["sha256"] != data["to"]["sha256"] == data["new"]
    assert [(c["kind"], c["topics"]) for c in data["changes"]] == [("changed", ["retention"]), ("added", ["cookies"])]
    assert data["topics"]["retention"]["changed"] and not data["topics"]["selling"]["changed"]


def test_changes_needs_policy_when_several_are_indexed(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "p").mkdir()
    for name in ("one", "two"):
        (tmp_path / "p" / f"{name}.md").write_text(SHOP.replace("anyone", name), encoding="utf-8")
    args = ["changes", "--policies", str(tmp_path / "p"), "--index", str(tmp_path / "ix"),
            "--data", str(tmp_path / "d")]
    assert main(args) == 2
    assert "choose one with --policy NAME (known: one, two)" in capsys.readouterr().err
    assert main([*args, "--policy", "three"]) == 2
    assert "three" in capsys.readouterr().err


def test_index_goes_on_past_a_bad_file_and_names_it(policy_dir: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    """A library with one unreadable file: the others are indexed, the bad one is named (exit 1)."""
    (policy_dir / "zeros.txt").write_bytes(b"\x00" * 4096)
    dirs = ["--policies", str(policy_dir), "--index", str(tmp_path / "ix")]
    assert main(["index", *dirs]) == 1
    out = capsys.readouterr()
    assert out.out.startswith(f"1 policy, {BELLACOR_PASSAGES} passages, ")
    assert out.err.strip().splitlines()[-1] == (
        "policybot: not indexed: policy file 'zeros.txt' is not text (100% NUL or control bytes); save the policy "
        "as plain text, Markdown or HTML (until then, it is left out)")
    assert main(["ask", "Do you sell my data?", *dirs]) == 0, "the good policy answers"
    assert "not sold" in capsys.readouterr().out
