"""A bad-input corpus, for the HTTP API and the command line: every client error is one clear
JSON ``{"error"}`` (HTTP 4xx) or one line and exit code 2 - never a 500 or a traceback."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import bot.build as build_module
from bot import Bot, Settings
from bot.cli import main
from bot.web import create_app
from tests.conftest import DEFAULT_POLICY, PROJECT_DIR

# (raw body, status, words the error must contain)
BODIES = [
    (b'{"question": "\\ud800"}', 422, "not valid text"),
    (b'{"question": ["\\ud800"]}', 422, "question"),
    (b'{"question": 42}', 422, "question"),
    (b'{"question": "Do you sell my data?", "k": "3"}', 422, "k"),
    (b'{"question": "Do you sell my data?", "k": 3.0}', 422, "k"),
    (b'{"question": "Do you sell my data?", "k": true}', 422, "k"),
    (b'{"question": "Do you \xff sell?"}', 422, "JSON"),
    (b"[" * 7000 + b"]" * 7000, 422, ""),
    (b'{"question": ', 422, "JSON"),
]


@pytest.fixture(scope="module")
def client(bot: Bot, tmp_path_factory: pytest.TempPathFactory):
    settings = Settings(policy_dir=bot.settings.policy_dir, index_dir=bot.settings.index_dir,
                        data_dir=tmp_path_factory.mktemp("data"), rate_limit="off")  # many requests, one client
    with TestClient(create_app(settings, bot), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(("body", "status", "words"), BODIES)
def test_bad_answer_bodies_get_a_json_error(client: TestClient, body: bytes, status: int, words: str) -> None:
    r = client.post("/api/answer", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert words in error and "Traceback" not in error and "/" not in error.replace("{", "").split("JSON")[0]


@pytest.mark.parametrize("body", [b'{"answer_id": "\\ud800", "vote": "up"}', b'{"answer_id": 5, "vote": "up"}',
                                  b'{"answer_id": "abc", "vote": "sideways"}'])
def test_bad_feedback_bodies_get_a_json_error(client: TestClient, body: bytes) -> None:
    r = client.post("/api/feedback", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]


@pytest.mark.parametrize("path", ["/policy/bellacor", "/widget.js", "/widget-demo"])
def test_pages_answer_head_and_refuse_other_methods(client: TestClient, path: str) -> None:
    assert client.head(path).status_code == 200
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        r = client.request(method, path)
        assert r.status_code == 405 and r.json()["error"] and "GET" in r.headers["allow"]


# ---------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli-bad")
    (root / "policies").mkdir()
    shutil.copy(DEFAULT_POLICY, root / "policies" / "bellacor.md")
    return root / "policies", root / "ix"


def cli(args: list[str | bytes], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, env=env,
                          timeout=300, cwd=PROJECT_DIR)


def one_line_error(result: subprocess.CompletedProcess[bytes], words: str) -> None:
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("policybot: error: ") and words in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["ask", b"Do you \xff sell?"], "not valid text"),
        (["report", "--days", "1000000000"], "out of range"),
        (["report", "--days", "-1"], "out of range"),
        (["report", "--limit", "-5"], "out of range"),
        (["ask", "x", "--k", "abc"], "invalid"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(folders: tuple[Path, Path], args: list, words: str) -> None:
    policies, index = folders
    extra = ["--policies", str(policies), "--index", str(index)] if args[0] == "ask" else []
    one_line_error(cli([*args, *extra]), words)


def run_main(args: list[str], capsys: pytest.CaptureFixture, stdin: bytes | None = None,
             monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    """The CLI in this process (the model is already loaded): exit code, stdout, stderr."""
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_an_index_path_that_is_a_file_exits_2(folders: tuple[Path, Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture) -> None:
    policies, _ = folders
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    code, _, err = run_main(["ask", "Do you sell my data?", "--policies", str(policies), "--index",
                             str(tmp_path / "file")], capsys)
    assert code == 2 and err.startswith("policybot: error: ") and "is a file" in err and err.count("\n") == 1


def test_an_index_folder_that_cannot_be_written_exits_2(folders: tuple[Path, Path], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """As a read-only folder does (simulated: tests may run as root, who can write anywhere)."""
    policies, _ = folders

    def refuse(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(build_module, "build", refuse)
    code, _, err = run_main(["ask", "hi there", "--policies", str(policies), "--index", str(tmp_path / "ro")], capsys)
    last = err.strip().splitlines()[-1]  # after the log line saying a build starts
    assert code == 2 and last.startswith("policybot: error: cannot write the index") and "permission denied" in last
    assert "Traceback" not in err


def test_a_manifest_that_is_a_folder_is_rebuilt(folders: tuple[Path, Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    policies, _ = folders
    (tmp_path / "ix" / "manifest.json").mkdir(parents=True)
    code, out, err = run_main(["ask", "Do you sell my data?", "--json", "--policies", str(policies),
                               "--index", str(tmp_path / "ix")], capsys)
    assert code == 0, err
    assert json.loads(out)["answered"] is True
    assert (tmp_path / "ix" / "manifest.json").is_file()


def test_a_bad_line_on_stdin_is_reported_in_place_and_the_run_goes_on(
    folders: tuple[Path, Path], capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    policies, index = folders
    stdin = b"Do you sell my data?\nDo you \xff sell?\nDo you use cookies?\n"
    code, out, err = run_main(["ask", "--json", "-", "--policies", str(policies), "--index", str(index)], capsys,
                              stdin, monkeypatch)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line.get("answered") for line in lines] == [True, None, True]
    assert "not valid text" in lines[1]["error"] and lines[1]["question"] == "Do you \ufffd sell?"
    assert code == 2 and "Traceback" not in err


@pytest.mark.parametrize(
    ("path", "csp"),
    [
        ("/api/policies", "default-src 'none'; frame-ancestors 'none'"),
        ("/healthz", "default-src 'none'"),
        ("/policy/bellacor", "default-src 'none'; style-src 'unsafe-inline'"),
        ("/widget-demo", "script-src 'self'"),
        ("/", "frame-ancestors 'self'"),
        ("/widget.js", None),
        ("/no-such-page", "frame-ancestors 'self'"),
    ],
)
def test_security_headers_on_every_route(client: TestClient, path: str, csp: str | None) -> None:
    r = client.get(path)
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
    if csp is None:
        assert "content-security-policy" not in r.headers
    else:
        assert csp in r.headers["content-security-policy"]
    if path.startswith("/policy/"):
        assert "<script" not in r.text, "the policy page runs no script (its CSP allows none)"
