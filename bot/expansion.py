"""A question read with the answers such questions usually get: query expansion from headings.

What a customer types and the sentence that answers it often share few words and sit apart in
embedding space ("how do i delete my account" and "You may close your account from Settings").
Policies written by others bridge the gap: their headings are questions or topics ("How can I
delete my account?", "Deleting your data"), and the text under a heading shows what an answer
looks like. ``prototypes.npz`` holds, for some 4,400 distinct headings of 276 real policies
(Open Terms Archive; built by ``benchmarks/prototypes.py``), the heading's vector (the key) and
the mean vector of the text under it (the prototype). A question's vector takes in a share of
the prototypes of the headings nearest to it:

    q' = unit(q + ALPHA * unit(sum of cos(q, key_i) * prototype_i over the NEAREST keys with cos >= FLOOR))

so retrieval looks for the question and for what its answer usually says; the key sentence of a
passage is still the one closest to the question itself (``retrieve``'s ``plain``), and so are
the confidence model's cosines. Measured end to end, with the confidence model refitted (k=3;
answer@1, hit@3, abstain, false abstain): layqa dev 0.500/0.797/0.500/0.102 -> 0.508/0.828/
0.438/0.094; the second lay set (other policies and wording; its four policies are left out of
the bank) 0.417/0.729/0.708/0.156 -> 0.448/0.792/0.625/0.094; PolicyQA test hit@3 0.459 -> 0.454.
ALPHA, NEAREST and FLOOR were chosen on layqa dev and checked on the second set; a FLOOR of 0.4
found more (hit@3 0.84 and 0.82) but pulled "Do you sell gift cards?" to the data-selling passage
on the default policy, which never mentions gift cards. A question far from every heading is
left as it is.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import faiss
import numpy as np

log = logging.getLogger("bot")

BANK = Path(__file__).with_name("prototypes.npz")
ALPHA = 0.4  # weight of the answer prototype beside the question (both unit vectors)
NEAREST = 15  # headings whose prototypes are blended
FLOOR = 0.5  # cosine a heading needs to count: a question unlike every heading is left alone


@dataclass(frozen=True, eq=False)
class Expansion:
    """The headings bank: key and prototype vectors (float32, unit length, cosine = inner product)."""

    keys: faiss.IndexFlatIP  # each heading's vector, searched exactly (FAISS: one thread, no BLAS start-up)
    prototypes: np.ndarray  # (n, dims): the mean vector of the text under each heading
    model: str  # the embedding model both were made with: only its question vectors may be expanded
    dims: int

    def __call__(self, query: np.ndarray) -> np.ndarray:
        """The expanded unit vector of a question (the same array when no heading is near)."""
        cosines, near = self.keys.search(query.reshape(1, -1), NEAREST)  # cosine: unit vectors, inner product
        keep = (near[0] >= 0) & (cosines[0] >= FLOOR)
        if not keep.any():
            return query
        prototype = cosines[0][keep] @ self.prototypes[near[0][keep]]
        expanded = query + ALPHA * prototype / np.linalg.norm(prototype)
        return (expanded / np.linalg.norm(expanded)).astype(np.float32)

    def fits(self, model: str, dims: int) -> bool:
        """Whether question vectors of this model live in the bank's space."""
        return model == self.model and dims == self.dims


@cache
def load_expansion(path: Path = BANK) -> Expansion | None:
    """The bank, or None (logged once) when it is missing or unreadable: answers still work, a
    little less well, rather than failing."""
    try:
        with np.load(path) as data:
            about = json.loads(str(data["about"]))
            keys = data["keys"].astype(np.float32) / 127
            prototypes = data["prototypes"].astype(np.float32) / 127
    except (OSError, ValueError, KeyError) as exc:
        log.warning("query expansion is off: %s cannot be read (%s); rebuild it with "
                    "`python benchmarks/prototypes.py`", path.name, exc)
        return None
    # int8 storage: renormalise so cosines stay cosines
    keys /= np.linalg.norm(keys, axis=1, keepdims=True)
    prototypes /= np.linalg.norm(prototypes, axis=1, keepdims=True)
    index = faiss.IndexFlatIP(keys.shape[1])
    index.add(np.ascontiguousarray(keys))
    return Expansion(index, np.ascontiguousarray(prototypes), about["model"], int(about["dims"]))


def expansion_for(model: str, dims: int) -> Expansion | None:
    """The bank if it was made with this model, else None (a different model's questions are
    never mixed with these vectors)."""
    bank = load_expansion()
    return bank if bank is not None and bank.fits(model, dims) else None
