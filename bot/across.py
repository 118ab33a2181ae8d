"""One question to several policies at once (no policy named): the answer of the policy that answers
it best, as that policy would answer alone.

One ranking of every policy's sentences together mixes scores that do not compare across policies:
a small policy's BM25 and heading terms, a sentence that merely sounds like the question. Asked
"Do you sell my data?" over a shop's privacy policy and a short cookie notice, the pooled ranking
put "Write to privacy@example.com with any question about your data." first, while the privacy
policy alone answers "Information about Bellacor customers is not sold." with far more confidence.

So the policies holding the best ``POOL`` passages of the pooled ranking are each asked alone
(``retrieve.retrieve_each``, one pass), and the most confident of their answers leads; the other
places go to the most confident other citations of the policies that answer. On the layqa
questions with all four policies in one index, against the pooled ranking: answer@1 0.383 ->
0.422, hit@3 0.672 -> 0.711; on the second lay set 0.188 -> 0.260 and 0.490 -> 0.583
(``python benchmarks/layqa.py --together``).
"""

from __future__ import annotations

from dataclasses import replace

from .confidence import Calibration, cite
from .index import Index
from .query import Query
from .results import Citation
from .retrieve import Asked, retrieve, retrieve_each

POOL = 10  # pooled passages whose policies are asked alone: the few that can answer, never all of a library


def answer_across(index: Index, asked: Asked, query: Query, policies: list[str], k: int,
                  calibration: Calibration) -> tuple[tuple[Citation, ...], str | None]:
    """Up to ``k`` citations for a question asked of several policies, and the policy whose answer
    leads them (None when no policy answers: then the closest passages of all, as a pooled ranking
    finds them)."""
    pooled = retrieve(index, asked, query, policies, POOL)
    candidates = list(dict.fromkeys(index.passages[h.passage].policy for h in pooled))
    alone = {p: cite(index, hits, k, calibration)
             for p, hits in retrieve_each(index, asked, query, candidates, k + 2).items()}
    answering = {p: found for p, found in alone.items() if calibration.answers(found)}
    if not answering:
        return cite(index, pooled, k, calibration), None
    lead = max(answering, key=lambda p: answering[p][0].score)
    others = sorted((c for p, found in answering.items() for c in (found[1:] if p == lead else found)),
                    key=lambda c: -c.score)
    chosen = (answering[lead][0], *others[: k - 1])
    return tuple(replace(c, rank=rank) for rank, c in enumerate(chosen, start=1)), lead
