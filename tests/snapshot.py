"""Facts of the default policy (policy_text/bellacor.md) and of the JSON contract, stated once.

When the policy or the chunking changes on purpose, these are the only numbers to update.
"""

ANSWER_KEYS = ["question", "answered", "kind", "answer", "policy", "policy_version", "citations", "suggestions",
               "latency_ms"]
CITATION_KEYS = {"rank", "policy", "section", "text", "sentence", "score", "match", "start", "end"}
BELLACOR_PASSAGES = 16
NOT_SOLD = "Information about Bellacor customers is not sold."  # the answer to "Do you sell my data?"
NOT_SOLD_SECTION = "How information is used"
NOT_SOLD_SPAN = (2383, 3082)  # offsets of the passage holding it in bellacor.md
