"""The server encodes questions in a child process (``bot.encoder_process``), and nobody can tell:
the same vectors, questions answered in-process while it starts or if it cannot, a new child when
one dies, and no child left behind when the server stops or is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot import Settings
from bot.embedding import QUERY_FORWARD, Embedder
from bot.encoder_process import EncoderError, EncoderProcess
from tests.conftest import wait_until
from tests.test_batching import alone, questions

# A child that speaks the protocol without the model: a vector from each text's length and the
# batch size, an error for a text starting with "bad"; "slow" takes a second, "hang" never ends.
# It starts in about a second, plus its first argument's seconds of "loading the model".
FAKE_CHILD = """
import sys
import time
import numpy as np
from bot.encoder_process import run
def encode(texts, batch):
    if texts[0].startswith("slow"):
        time.sleep(1)
    if texts[0].startswith("hang"):
        time.sleep(3600)
    if any(t.startswith("bad") for t in texts):
        raise ValueError("cannot do it")
    return np.array([[len(t), batch, 0, 1] for t in texts], dtype=np.float32)
def load():
    time.sleep(float(sys.argv[1]))
    return encode, 4
run(load)
"""


def fake_child(threads: int = 1, loading: float = 0.0) -> EncoderProcess:
    return EncoderProcess(threads, command=[sys.executable, "-c", FAKE_CHILD, str(loading)])


def gone(pid: int) -> bool:
    """The process exited (and was reaped, or is a zombie waiting for it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def with_fake_children(monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> Embedder:
    """A new Embedder whose encoder processes are fake children, and whose in-process fallback is
    the real model (shared with ``embedder``, so it is not loaded twice)."""
    monkeypatch.setattr("bot.embedding.EncoderProcess", fake_child)
    fresh = Embedder()
    fresh._model = embedder.model
    return fresh


def test_the_encoder_process_answers_batches_and_stops_when_closed() -> None:
    child = fake_child()
    assert child.wait(60) and child.dims == 4
    assert child.encode(["ab", "abc"], 16).tolist() == [[2, 16, 0, 1], [3, 16, 0, 1]]
    with pytest.raises(RuntimeError, match="cannot do it"):  # one batch's error, not the child's
        child.encode(["bad"], 16)
    assert child.encode(["x"], 8).tolist() == [[1, 8, 0, 1]] and child.usable()
    child.close()
    assert gone(child.pid)
    with pytest.raises(EncoderError):
        child.encode(["x"], 8)


def test_the_encoder_process_exits_when_the_server_is_killed() -> None:
    """No orphan: kill -9 closes the server's end of the pipe, and the child exits."""
    program = ("import time\nfrom tests.test_encoder_process import fake_child\nchild = fake_child()\n"
               "assert child.wait(60)\nprint(child.pid, flush=True)\ntime.sleep(300)")
    server = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).parent.parent)
    try:
        pid = int(server.stdout.readline())
        assert not gone(pid)
    finally:
        server.kill()
        server.wait()
    wait_until(lambda: gone(pid), "the orphaned encoder process to exit", 15)


def test_closing_waits_for_the_batch_in_the_pipe_and_a_hung_child_is_given_up(monkeypatch: pytest.MonkeyPatch,
                                                                            embedder: Embedder) -> None:
    child = fake_child()
    assert child.wait(60)
    with ThreadPoolExecutor(1) as pool:
        asked = pool.submit(child.encode, ["slow"], 16)
        time.sleep(0.3)  # the batch is in the pipe
        child.close()  # from another thread, as a server stopping or a second app starting does
        assert asked.result(timeout=10).tolist() == [[4, 16, 0, 1]]  # answered, not cut off
    assert gone(child.pid)
    monkeypatch.setattr("bot.encoder_process.ANSWER_SECONDS", 1.0)
    fresh = with_fake_children(monkeypatch, embedder)
    assert fresh.use_process(True, wait=60)
    hung = fresh._child
    with ThreadPoolExecutor(1) as pool:  # given up after ANSWER_SECONDS and answered here, not waited on forever
        vector = pool.submit(fresh.encode_query, "hang on").result(timeout=60)
    assert np.allclose(vector, alone(embedder, "hang on"), atol=1e-5)
    wait_until(lambda: gone(hung.pid), "the hung child to be stopped", 15)
    fresh.use_process(False)


def test_questions_are_encoded_here_when_the_child_cannot_start(monkeypatch: pytest.MonkeyPatch,
                                                                  embedder: Embedder) -> None:
    fresh = with_fake_children(monkeypatch, embedder)
    monkeypatch.setattr("bot.embedding.EncoderProcess", lambda threads: EncoderProcess(
        threads, command=[sys.executable, "-c", "raise SystemExit(3)"]))
    assert not fresh.use_process(True, wait=60)
    question = "do you sell my data"
    assert np.allclose(fresh.encode_query(question), alone(embedder, question), atol=1e-5)
    monkeypatch.setattr("bot.embedding.EncoderProcess", lambda threads: EncoderProcess(
        threads, command=["/nonexistent/python"]))  # cannot even be run: OSError
    assert not fresh.use_process(True, wait=60)
    assert np.allclose(fresh.encode_query(question), alone(embedder, question), atol=1e-5)
    fresh.use_process(False)


def test_a_child_that_dies_is_replaced_and_its_questions_are_answered_here(monkeypatch: pytest.MonkeyPatch,
                                                                             embedder: Embedder) -> None:
    fresh = with_fake_children(monkeypatch, embedder)
    assert fresh.use_process(True, wait=60)
    assert fresh.encode_query("ab").tolist() == [2, QUERY_FORWARD, 0, 1]  # from the child
    first = fresh._child
    os.kill(first.pid, signal.SIGKILL)
    wait_until(lambda: gone(first.pid), "the child to die")
    question = "do you sell my data"
    assert np.allclose(fresh.encode_query(question), alone(embedder, question), atol=1e-5)  # answered here
    wait_until(lambda: fresh._child is not None and fresh._child is not first and fresh._child.usable(),
               "a new child", 60)
    assert fresh.encode_query("abc").tolist() == [3, QUERY_FORWARD, 0, 1]
    fresh.use_process(False)
    assert gone(first.pid) and fresh._child is None


def test_a_forked_server_starts_its_own_child_and_leaves_the_parents_alone(monkeypatch: pytest.MonkeyPatch,
                                                                          embedder: Embedder) -> None:
    fresh = with_fake_children(monkeypatch, embedder)
    assert fresh.use_process(True, wait=60)
    inherited = fresh._child
    inherited.owner = -1  # as a forked copy sees its parent's child: not its own
    assert fresh.encode_query("ab").shape == (embedder.dims,)  # never through the parent's pipe
    wait_until(lambda: fresh._child is not None and fresh._child is not inherited and fresh._child.usable(),
               "the copy's own child", 60)
    assert fresh.encode_query("ab").tolist() == [2, QUERY_FORWARD, 0, 1]
    wait_until(lambda: gone(inherited.pid), "the pipe's last end closing")  # here, the last end was ours
    fresh.use_process(False)


def test_the_server_setting_turns_the_encoder_process_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().encoder_process
    monkeypatch.setenv("POLICYBOT_ENCODER_PROCESS", "off")
    assert not Settings.from_env().encoder_process


def test_the_child_gives_the_vectors_encoded_here(embedder: Embedder) -> None:
    """The real model in the child: the same vectors as in-process, for concurrent callers."""
    fresh = Embedder()
    fresh._model = embedder.model
    assert fresh.use_process(True)
    child = fresh._child
    asked = questions(64)
    with ThreadPoolExecutor(16) as pool:
        together = np.stack(list(pool.map(fresh.encode_query, asked)))
    single = np.stack([alone(embedder, q) for q in asked])
    assert together.dtype == np.float32 and together.shape == (64, embedder.dims)
    assert np.allclose(together, single, atol=1e-5)
    assert 0 < child.batches < len(asked)  # all in the child, some together
    fresh.use_process(False)
    assert gone(child.pid)


def test_a_child_closed_while_loading_leaves_the_next_childs_pipes_alone() -> None:
    """A server stopping (or a second app on the same engine starting) closes a child still loading
    the model while another child starts. Closing freed the pipes' numbers under the first child's
    waiting handshake; the next child's pipes got the same numbers, the old handshake read the new
    child's messages, and a batch then waited forever for its stolen answer (a CI run hung so)."""
    loading = fake_child(loading=1.0)
    with ThreadPoolExecutor(1) as pool:
        closing = pool.submit(loading.close)  # as the server stopping does, from its own thread
        time.sleep(0.3)
        new = fake_child()  # meanwhile, as the next app's warm-up does: it may get the freed numbers
        closing.result(timeout=30)
    assert not loading._starter.is_alive(), "the closed child's handshake still waits on a pipe number"
    assert new.wait(30), "the new child never said ready: its message went elsewhere"
    with ThreadPoolExecutor(1) as pool:  # the batch thread
        for n in range(1, 30):
            assert pool.submit(new.encode, ["x" * n], 16).result(timeout=30).tolist() == [[n, 16, 0, 1]]
    new.close()
    assert gone(loading.pid) and gone(new.pid)
