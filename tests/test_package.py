"""policybot as an installed package: the wheel, in another venv, run from an empty folder."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import DEFAULT_POLICY, PROJECT_DIR
from tests.snapshot import NOT_SOLD


def _run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)


def test_the_example_policy_shipped_in_the_package_is_the_default_policy() -> None:
    assert (PROJECT_DIR / "bot" / "examples" / "bellacor.md").read_bytes() == DEFAULT_POLICY.read_bytes()


def test_an_installed_wheel_answers_from_an_empty_folder(tmp_path: Path) -> None:
    """``pip install`` of the wheel into a new venv; its dependencies are borrowed from this venv
    (a .pth line, so this checkout's editable install is not seen) rather than installed again."""
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                  "-w", tmp_path / "dist", PROJECT_DIR])
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("policybot-*.whl")
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", "--without-pip", venv]).returncode == 0
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    installed = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel])
    assert installed.returncode == 0, installed.stderr

    empty, home = tmp_path / "empty", tmp_path / "home"
    empty.mkdir()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_DATA_HOME": str(home / "data")}
    asked = _run([venv / "bin" / "policybot", "ask", "do you sell my data?"], cwd=empty, env=env)
    assert asked.returncode == 0, asked.stderr
    assert f"A: {NOT_SOLD}" in asked.stdout
    probe = "import bot; from bot import answer; print(bot.__file__); print(answer('do you sell my data?').text)"
    imported = _run([python, "-c", probe], cwd=empty, env=env)
    assert imported.returncode == 0, imported.stderr
    where, text = imported.stdout.strip().splitlines()[-2:]
    assert Path(where).is_relative_to(site) and text == NOT_SOLD
    assert (home / "cache" / "policybot" / "index" / "manifest.json").is_file()
    assert not list(empty.iterdir()), "nothing is written to the current folder"
    assert not [p for p in (site / "bot").rglob("*") if p.name in ("manifest.json", "feedback.sqlite3")]
