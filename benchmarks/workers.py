"""Two processes serving one index: each answers, and the vectors are in memory once.

    python benchmarks/workers.py [--json out.json]

Builds the 280 OTA policies with the stand-in embedder of ``library.py`` (the model is not what is
measured: the index files are), then starts two processes that each open the index as the server
does, answer a question asked of every policy at once (which reads every sentence vector), and
report their memory from ``/proc/<pid>/smaps``: RSS counts a shared page in full in each
process, USS (private pages) only what the process holds alone. A memory-mapped file's pages are
shared: the second process's USS grows by less than the vectors' size.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import library

from bot.build import open_index

QUESTION = "Do you sell my personal information?"
CHILD = """
import json, sys
sys.path.insert(0, {bench!r})
import workers
from bot import Bot
bot = Bot({policies!r}, {index!r}, embedder=workers.QuestionsToo())
answer = bot.answer({question!r})
print(json.dumps({{"answered": answer.answered, "policy": answer.policy}}), flush=True)
sys.stdin.readline()
"""


class QuestionsToo(library.StandIn):
    """The stand-in for questions as well, so a question meets vectors of its own kind."""

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def encode_questions(self, texts: list[str]) -> np.ndarray:
        return self.encode(texts)


VECTOR_FILES = ("scoring.npy", "passages.faiss")


def memory(pid: int) -> dict[str, float]:
    """A process's RSS, PSS and USS (private pages), and of the index's vector files mapped in it
    the resident and the shared MB (``/proc/<pid>/smaps``)."""
    total = {"Rss": 0.0, "Pss": 0.0, "Private_Clean": 0.0, "Private_Dirty": 0.0}
    mapped = {"Rss": 0.0, "Shared_Clean": 0.0, "Shared_Dirty": 0.0}
    in_vectors = False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and ":" not in head[0]:  # a mapping's first line: range perms ... path
            in_vectors = head[-1].endswith(VECTOR_FILES)
            continue
        name = head[0].rstrip(":") if head else ""
        if name in total:
            total[name] += int(head[1]) / 1024
        if in_vectors and name in mapped:
            mapped[name] += int(head[1]) / 1024
    return {"rss_mb": total["Rss"], "pss_mb": total["Pss"], "uss_mb": total["Private_Clean"] + total["Private_Dirty"],
            "vectors_resident_mb": mapped["Rss"], "vectors_shared_mb": mapped["Shared_Clean"] + mapped["Shared_Dirty"]}


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(library.OTA, work / "ota")
        index = open_index(work / "ota", work / "index", library.StandIn())
        vectors_mb = (index.folder / "scoring.npy").stat().st_size / 2**20
        code = CHILD.format(bench=str(Path(__file__).resolve().parent), policies=str(work / "ota"),
                            index=str(work / "index"), question=QUESTION)
        procs, out = [], {"policies": len(index.policies), "passages": len(index.passages), "vectors_mb": vectors_mb}
        try:
            answers = []
            for _ in range(2):
                proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
                procs.append(proc)
                answers.append(json.loads(proc.stdout.readline()))
            for n, (proc, answer) in enumerate(zip(procs, answers, strict=True), start=1):  # both running
                out[f"worker{n}"] = {**answer, **memory(proc.pid)}
        finally:
            for proc in procs:
                proc.communicate("\n", timeout=60)
    return out


def lines(r: dict) -> list[str]:
    w1, w2 = r["worker1"], r["worker2"]
    rows = [f"| {name} | {'yes' if w['answered'] else 'no'} | {w['rss_mb']:.0f} | {w['pss_mb']:.0f} "
            f"| {w['uss_mb']:.0f} | {w['vectors_resident_mb']:.0f} | {w['vectors_shared_mb']:.0f} |"
            for name, w in (("first", w1), ("second", w2))]
    return [
        f"Two processes on one index (`python benchmarks/workers.py`): the {r['policies']} OTA policies "
        f"({r['passages']:,} passages, sentence vectors {r['vectors_mb']:.0f} MB in `scoring.npy`; stand-in",
        "embedder as above), each process opening it as the server does and answering a question asked of every",
        "policy at once (which reads every sentence vector). MB from `/proc/<pid>/smaps`, both running:", "",
        "| process | answered | RSS | PSS | USS (its own) | vector files resident | of which shared |",
        "|---|---|---|---|---|---|---|", *rows, "",
        f"Of the vector files (`scoring.npy`, `passages.faiss`) resident in the second process, "
        f"{w2['vectors_shared_mb']:.0f} of {w2['vectors_resident_mb']:.0f} MB are pages shared with the first: the "
        "vectors are in memory once. What each process holds alone (USS) is its Python objects: passages, BM25, "
        "the spelling index. `python app.py --workers N` runs such processes as one server on one port (the index",
        "opened the same way; a browser's chat session kept with one worker: docs/DEPLOY.md).", "",
    ]


def main() -> None:
    library.cli(__doc__, run, lines)


if __name__ == "__main__":
    main()
