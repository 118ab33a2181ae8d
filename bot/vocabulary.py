"""Everyday words -> the words privacy policies use: a small vocabulary by privacy topic.

People ask "do u sell my info", "do cops get my data", "what if you get hacked"; policies say
"sold", "law enforcement", "unauthorized access". This table joins the two for the lexical
side of retrieval (BM25 and word coverage). It is organised by the OPP-115 categories (Wilson
et al., 2016) plus the topics people ask about most, and written from topic knowledge: each
group lists the ways people and policies name one thing. A question word found in a group
brings in the group's other words, at a lower weight than the question's own words.

``CHAT`` expands the shorthand of chat messages before anything else sees the question.
"""

from __future__ import annotations

# Chat shorthand -> the word it stands for (whole words only, lowercased).
CHAT: dict[str, str] = {
    "u": "you", "ya": "you", "yu": "you", "ur": "your", "urs": "yours", "r": "are", "y": "why",
    "pls": "please", "plz": "please", "thx": "thanks", "ty": "thank you", "cuz": "because",
    "coz": "because", "bc": "because", "b/c": "because", "w/": "with", "w/o": "without",
    "ppl": "people", "info": "information", "infos": "information", "msg": "message",
    "msgs": "messages", "acct": "account", "pic": "picture", "pics": "pictures", "pw": "password",
    "pwd": "password", "addy": "address", "dob": "date of birth", "govt": "government",
    "gov": "government", "im": "i'm", "ive": "i've", "dont": "don't", "doesnt": "doesn't",
    "didnt": "didn't", "cant": "can't", "wont": "won't", "isnt": "isn't", "whats": "what's",
    "wat": "what", "wht": "what", "abt": "about", "tho": "though", "thru": "through",
    "bday": "birthday", "txt": "text", "txts": "texts", "sms": "text messages", "yr": "year",
    "yrs": "years", "min": "minimum", "asap": "as soon as possible",
}

# Privacy topic -> groups of words and phrases that name the same thing.
TOPICS: dict[str, tuple[tuple[str, ...], ...]] = {
    "collection": (
        ("collect", "gather", "obtain", "capture", "record", "log"),
        ("location", "gps", "geolocation", "whereabouts", "where i am"),
        ("contacts", "address book", "phonebook"),
        ("photo", "picture", "image", "camera"),
        ("microphone", "audio", "voice", "recording"),
    ),
    "use": (
        ("use", "process", "purpose", "why"),
        ("profile", "profiling", "automated decision"),
        ("research", "analytics", "analysis", "statistics"),
    ),
    "sharing": (
        ("share", "disclose", "disclosure", "give", "hand over", "pass on", "provide to", "see", "access",
         "third party", "third parties", "partner", "affiliate", "service provider", "vendor", "processor"),
        ("law enforcement", "police", "cops", "cop", "feds", "government", "authorities", "court order",
         "subpoena", "warrant", "legal process", "legal request"),
        ("merger", "merge", "acquisition", "acquired", "bought", "buyer", "sale of business", "bankruptcy",
         "business transfer", "reorganization"),
        ("staff", "employee", "personnel", "workers"),
    ),
    "selling": (
        ("sell", "sale", "rent", "trade", "monetize", "broker"),
    ),
    "cookies": (
        ("cookie", "tracker", "tracking", "track", "pixel", "beacon", "web beacon", "local storage",
         "fingerprint", "follow me"),
        ("do not track", "dnt", "global privacy control", "gpc"),
        ("analytics", "google analytics"),
    ),
    "ads": (
        ("ad", "ads", "advert", "advertising", "advertisement", "advertiser", "targeted", "personalized",
         "personalised", "interest based", "behavioral", "retargeting", "marketing"),
    ),
    "children": (
        ("children", "child", "kid", "kids", "minor", "minors", "teen", "teenager", "son", "daughter",
         "under 13", "under 16", "under 18", "year old", "age", "parent", "parental", "coppa"),
    ),
    "security": (
        ("security", "unauthorized access", "unauthorised access", "hack", "hacker", "hacked", "breach",
         "leak", "leaked", "stolen", "steal", "compromise", "secure", "safe", "protect", "safeguard",
         "encrypt", "encryption"),
        ("password", "credential", "login"),
    ),
    "retention": (
        ("retain", "retention", "keep", "store", "storage", "hold", "how long", "period", "duration"),
    ),
    "rights": (
        ("delete", "deletion", "erase", "erasure", "remove", "wipe", "destroy", "forget", "get rid of"),
        ("copy", "download", "export", "portability", "access"),
        ("fix", "correct", "correction", "rectify", "rectification", "update", "wrong", "inaccurate"),
        ("pause", "restrict", "restriction", "limit", "object", "objection"),
        ("close", "deactivate", "cancel", "terminate", "account deletion"),
        ("complain", "complaint", "supervisory authority", "regulator", "data protection authority"),
        ("right", "rights", "request", "exercise"),
    ),
    "optout": (
        ("unsubscribe", "opt out", "opt-out", "stop", "withdraw", "consent", "no longer receive"),
        ("email", "e-mail", "newsletter", "promotional", "marketing", "spam", "text message", "sms"),
    ),
    "transfer": (
        ("transfer", "international", "overseas", "abroad", "other countries", "outside", "cross border",
         "country", "eu", "eea", "europe", "united states", "standard contractual clauses"),
    ),
    "changes": (
        ("change", "update", "rewrite", "modify", "revise", "amend", "new version"),
        ("notify", "notice", "tell", "inform", "heads up", "warn", "alert"),
    ),
    "contact": (
        ("contact", "reach", "get in touch", "talk to", "email", "write", "call", "phone", "address",
         "data protection officer", "dpo", "privacy team", "customer service", "support"),
    ),
    "payment": (
        ("pay", "payment", "card", "credit card", "billing", "purchase", "bank", "financial"),
    ),
}

# The phrases above that fewer than 10% of 280 real policies use: people's words, not policies'
# (``benchmarks/lay_words.py`` derives the list from ../shared/data/ota, leaving out "fingerprint"
# as ambiguous). Asked of a policy that never uses them, they bring in their group's first phrase
# the policy does use ("cops" -> "law enforcement"), so the embedding reads the question in the
# policy's words; each group therefore starts with the word policies use most.
LAY: frozenset[str] = frozenset((
    "abroad", "advert", "broker", "cop", "coppa", "cops", "daughter", "destroy", "feds",
    "forget", "get in touch", "get rid of", "hack", "hacked", "hacker", "hand over", "heads up", "kid",
    "kids", "leak", "leaked", "microphone", "monetize", "overseas", "pause", "phonebook", "police",
    "retargeting", "rewrite", "son", "steal", "stolen", "talk to", "teen", "teenager", "tracker", "warn",
    "whereabouts", "wipe", "workers", "wrong",
))
