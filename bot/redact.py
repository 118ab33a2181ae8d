"""Personal details taken out of a question before it is stored (issue 8: private by default).

Questions are kept for months and read by people (``policybot report``), and people paste what
they have to hand: "I'm John Smith, 742 Evergreen Terrace, card 4111 1111 1111 1111 exp 12/27
cvv 123". Only the redacted text is stored. Each kind of detail becomes a placeholder:
``[email]``, ``[phone]``, ``[card number]``, ``[card expiry]``, ``[cvv]``, ``[iban]``,
``[id number]``, ``[ip address]``, ``[address]``, ``[name]``.

A pattern finds candidates; where the detail carries a checksum or a format register, a kept
library confirms it (python-stdnum: IBANs, cards, national IDs; phonenumbers; pyap's address
rules; ipaddress), so prices, years, order and section numbers stay as asked. Details that only
a keyword makes recognisable (cvv, exp, ssn, "my name is") are taken after their keyword, which
stays. Steps run most specific first, each on the text with earlier placeholders in it.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable
from functools import cache, partial

import phonenumbers
from pyap.source_CA import data as pyap_ca
from pyap.source_GB import data as pyap_gb
from pyap.source_US import data as pyap_us
from stdnum import iban, luhn
from stdnum.br import cpf
from stdnum.ca import sin
from stdnum.es import dni, nie
from stdnum.in_ import aadhaar
from stdnum.it import codicefiscale

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# "john dot smith at example dot com", "john(at)example(dot)com", "john [at] example [dot] com"
_AT = r"(?:\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+|@)"
_DOT = r"(?:\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+|\.)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,6}}\b", re.I)
_SPELLED = re.compile(r"[(\[{<]\s*(?:at|dot)\s*[)\]}>]|\sdot\s|@", re.I)
_MAIL_HOST = re.compile(
    r"\sat\s+(?:g(?:oogle)?mail|yahoo|hotmail|outlook|live|msn|icloud|aol|proton(?:mail)?|gmx)\.", re.I)

_IBAN = re.compile(r"\b[a-z]{2}\d{2}(?:[ -]?[a-z0-9]{1,4}){3,8}", re.I)
_LAST_GROUP = re.compile(r"[ -]?[a-z0-9]{1,4}$", re.I)
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?=[0-9a-f]{0,4}:[0-9a-f]{0,4}:)(?:[0-9a-f]{0,4}:){2,7}"
                   r"(?:[0-9a-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?![\w:])", re.I)
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_EXPIRY = re.compile(r"\b(?:exp(?:iry|iration|ires?|\.)?(?: date)?|valid (?:thru|through|until)|good thru)"
                     r"\s*(?:on|is|:|-)?\s*(?P<pii>(?:0?[1-9]|1[0-2])\s?[/.-]\s?(?:20)?\d{2})(?![\d/.-]?\d)", re.I)
_CVV = re.compile(r"\b(?:cvv2?|cvc2?|cvn|csc|security code|card verification (?:code|value|number))"
                  r"(?: code| number| no\.?)?\s*(?:is|:|=|-|#)?\s*(?P<pii>\d{3,4})\b", re.I)

# National IDs. The US SSN in its 3-2-4 shape is taken whether or not it was ever issued
# (078-05-1120 is still someone's format); the others need their checksum (stdnum), except the
# UK National Insurance number, whose letters are the check (stdnum has no module for it).
_SSN = re.compile(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])")
_NINO = re.compile(r"\b(?!bg|gb|kn|nk|nt|tn|zz)[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z] ?\d{2} ?\d{2} ?\d{2} ?[a-d]\b", re.I)
_CHECKED_IDS = (
    (re.compile(r"(?<![\d-])\d{3}([- ])\d{3}\1\d{3}(?![\d-])"), sin.is_valid),  # Canadian SIN
    (re.compile(r"(?<![\d.])\d{3}\.\d{3}\.\d{3}-\d{2}(?!\d)"), cpf.is_valid),  # Brazilian CPF
    (re.compile(r"\b[xyz]?\d{7,8}-?[a-z]\b", re.I), lambda s: dni.is_valid(s) or nie.is_valid(s)),  # Spanish DNI/NIE
    (re.compile(r"\b[a-z]{6}\d{2}[a-z]\d{2}[a-z]\d{3}[a-z]\b", re.I), codicefiscale.is_valid),  # Italian tax code
    (re.compile(r"(?<![\d-])[2-9]\d{3}([ -]?)\d{4}\1\d{4}(?![\d-])"), aadhaar.is_valid),  # Indian Aadhaar
)
# Any other ID introduced by its name: "passport X1234567", "my ssn is 123456789", "tax id 12-3456789".
_NAMED_ID = re.compile(
    r"\b(?:(?:ssn|sin|nino|itin|tin|dni|nie|nif|cpf|bsn|pesel|aadhaa?r|passport|personnummer|tax id|national id"
    r"|id card|social security)\b(?: number| no\.?| #)?|(?:national insurance|social insurance|ni|(?:driver'?s? )?"
    r"licen[cs]e|id|identity|identification|tax) (?:number|no\.?|#))\s*(?:is|:|=|-|#)?\s*"
    r"(?<!\w)(?P<pii>[a-z]{0,3}[ -]?\d[\d .-]{2,16}\d(?:[ -]?[a-z])?)\b", re.I)

# Streets: pyap finds whole US, Canadian and UK addresses (street, city, state or postcode); the
# street lines people also write alone are matched here: house number, one to three name words
# and a street type ("742 Evergreen Terrace"), or the continental order ("12 rue de Rivoli",
# "Hauptstraße 5", "Calle Mayor 5"), each with an optional town or postcode after it.
_TYPES = (r"street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|terrace|crescent|parkway|pkwy|highway|hwy"
          r"|(?-i:(?:Way|Court|Ct|Place|Pl|Close|Square|Sq|Drive|Dr|Circle|Row|Mews|Grove|Gardens)\b)")
_TOWN = (r"(?:,?\s+(?:apt|apartment|unit|suite|flat|#)\.?\s*\w+)?"  # flat, then town, state, postcode
         r"(?:,?\s+(?!(?:Do|Does|Is|Are|Can|Could|What|How|Why|When|Where|Who|Will|Would|And|Or|But|I)\b)"
         r"(?-i:[A-Z])[^\W\d]+(?:['’-][^\W\d]+)*\b){0,2}(?:,?\s+(?-i:[A-Z]{2})\b)?"
         r"(?:,?\s+(?:\d{4,5}(?:-\d{4})?(?:\s+(?-i:[A-Z])[\w'’-]+)?"
         r"|[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2}|[a-z]\d[a-z]\s?\d[a-z]\d)\b)?")
_STREETS = (
    re.compile(rf"\b\d{{1,5}}[a-z]?,?\s+(?P<words>(?:[\w'’.-]+\s+){{1,3}})(?:{_TYPES})\b\.?{_TOWN}", re.I),
    re.compile(r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai|via|viale"
               r"|piazza|corso|calle|carrer|avenida|rua)\s+(?:(?:de|du|des|la|le|les|l'|d'|del|della|di)\s*)*"
               rf"(?-i:[A-ZÀ-Ý])[\w'’-]+(?:\s+(?-i:[A-ZÀ-Ý])[\w'’-]+)*{_TOWN}", re.I),
    re.compile(r"\b(?-i:[A-ZÄÖÜ])[\w-]*(?:strasse|straße|str\.|weg|gasse|platz|allee|damm)\s+\d{1,4}\s?[a-z]?\b"
               rf"{_TOWN}", re.I),
    re.compile(r"\b(?:calle|carrer|via|piazza|corso|avenida|rua|plaza)\s+(?:(?:de|del|la|di|della|do|da)\s+)*"
               rf"(?-i:[A-Z])[\w'’-]+(?:\s+(?-i:[A-Z])[\w'’-]+)*,?\s+\d{{1,4}}\b{_TOWN}", re.I),
)
_HOUSE = re.compile(r"(?<![\w.-])\d{1,6}[a-z]?,?\s+(?=[^\W\d_])", re.I)  # where a pyap address may start
_ADDRESS_CHARS = 160  # pyap's rules backtrack badly on runs of numbers: tried over this stretch
_HOUSES = 10  # from at most this many house numbers (street lines after them are still found)

_NAME_INTRO = re.compile(r"\b(?:(?P<strong>my (?:full |real |legal |first |last )?name(?:\s+is|'s|’s|\s*:)|name\s*:"
                         r"|i am called)|call me|this is|i'm|i’m|i am|it's|it’s)\s+", re.I)
_NAME_WORD = re.compile(r"\s*([^\W\d_][\w'’-]*\.?)")
_COMMON_WORDS = frozenset(
    "a an the and or but not no nor is are was were be been am do does did can could will would should shall may "
    "might must have has had i you he she we they it me my your his her our their its this that these those in on "
    "at to for of with from by about as if so please how what why when where who which also still just here there "
    "now then very too really only already public private visible hidden correct wrong known unknown shown given "
    "taken seen anonymous required needed safe secure same different kept information data personal privacy "
    "policy service services terms account app website site cookies".split())
_NOT_NAME_ENDINGS = ("able", "ible", "ive", "ous", "tion", "ity", "ment", "ing", "ly")
_PHONE_HINT = re.compile(r"\+|\d{3}[ .-]\d{4}\b")
_TRUNK_PHONE = re.compile(r"(?<![\w+])0\d{1,4}(?:[ .-]?\d{2,4}){2,5}(?!\w)")  # national format: 020 7946 0958
_DIGIT = re.compile(r"\d")

Check = Callable[[str], bool]


def _sub(text: str, pattern: re.Pattern[str], label: str, check: Check | None = None) -> str:
    """``[label]`` for each match's ``pii`` group (else the whole match) that ``check`` confirms. A
    rejected candidate is retried one character on, so that "me at jane.doe at example.com"
    still finds the address after the false start."""
    group = "pii" if "pii" in pattern.groupindex else 0
    out, last, pos = [], 0, 0
    while m := pattern.search(text, pos):
        if check is not None and not check(m.group(group)):
            pos = m.start() + 1
            continue
        start, end = m.span(group)
        out += [text[last:start], f"[{label}]"]
        last, pos = end, m.end()
    return "".join(out) + text[last:]


def _spans(text: str, spans: list[tuple[int, int]], label: str) -> str:
    """``[label]`` over each span; overlapping spans are merged first."""
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            out[-1], last = f"[{label}]", max(last, end)
            continue
        out += [text[last:start], f"[{label}]"]
        last = end
    return "".join(out) + text[last:]


def _spelled_email(found: str) -> bool:
    """Written to dodge a scraper ("(at)", " dot "), or clearly an address: "shop at fedex.com"
    is not one, so a plain " at " before a real domain needs a local part with a dot, underscore
    or digit, or a mail host people have addresses at."""
    local = re.split(r"\s+at\s+", found, maxsplit=1, flags=re.I)[0]
    return bool(_SPELLED.search(found) or re.search(r"[._\d]", local) or _MAIL_HOST.search(found))


def _ibans(text: str) -> str:
    """IBANs that pass stdnum's check; the candidate pattern also takes the words after one, so
    groups are dropped from the end until the rest is valid (or nothing is left)."""

    def one(m: re.Match[str]) -> str:
        found = m.group()
        while len(found) > 4:
            if iban.is_valid(found):
                return "[iban]" + m.group()[len(found):]
            found = _LAST_GROUP.sub("", found)
        return m.group()

    return _IBAN.sub(one, text)


def _ip(candidate: str) -> bool:
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


@cache
def _pyap_rules() -> tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]:
    """pyap's full-address rules, each with the part it cannot match without (a state, province or
    UK postcode, also pyap's), compiled once (~150 ms). They are run here rather than through
    ``pyap.parse``, which recompiles through re's small cache, reports offsets in a
    whitespace-normalised copy and tries every position; here only house numbers are tried."""
    flags = re.VERBOSE | re.UNICODE
    return tuple((re.compile(data.full_address, flags), re.compile(gate, flags))
                 for data, gate in ((pyap_us, pyap_us.region1), (pyap_ca, pyap_ca.region1),
                                    (pyap_gb, pyap_gb.postal_code)))


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    found = text[start:end]
    return start + len(found) - len(found.lstrip(" ,")), end - len(found) + len(found.rstrip(" ,"))


def _street(m: re.Match[str]) -> str:
    """Not "2 kids on my street": the words between number and street type are no common words."""
    words = (m.groupdict().get("words") or "").lower().split()
    return m.group() if any(w in _COMMON_WORDS for w in words) else "[address]"


def _addresses(text: str) -> str:
    rules = [rule for rule, gate in _pyap_rules() if gate.search(text)]
    spans: list[tuple[int, int]] = []
    for house in itertools.islice(_HOUSE.finditer(text) if rules else (), _HOUSES):
        if spans and house.start() < spans[-1][1]:
            continue
        for rule in rules:
            if m := rule.match(text, house.start(), house.start() + _ADDRESS_CHARS):
                spans.append(_trimmed(text, *m.span()))
                break
    text = _spans(text, spans, "address")
    for pattern in _STREETS:
        text = pattern.sub(_street, text)
    return text


def _phones(text: str) -> str:
    """phonenumbers finds numbers in US form, international (+44 ...) and UK national form; a
    7-to-9-digit US "possible" number counts only when written like one (555-1234), not an order
    number. Any other national number starting with the trunk 0 (01 42 68 53 00) is taken too."""
    if len(_DIGIT.findall(text)) < 7:  # fast path: no phone number is shorter
        return text
    spans = []
    for region, leniency in (("US", phonenumbers.Leniency.POSSIBLE), ("GB", phonenumbers.Leniency.VALID)):
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
            if region == "GB" or len(_DIGIT.findall(m.raw_string)) >= 10 or _PHONE_HINT.search(m.raw_string):
                spans.append((m.start, m.end))
    spans += [m.span() for m in _TRUNK_PHONE.finditer(text) if 9 <= len(_DIGIT.findall(m.group())) <= 12]
    return _spans(text, spans, "phone")


def _name_end(text: str, start: int, strong: bool) -> int:
    """The end of the name that starts at ``start`` (``start`` if none): up to three words, no
    common words; lowercase ones only after "my name is" and the like, and at least two
    capitalised ones after the weaker "I'm" or "this is" ("I'm in France", "I'm Canadian"), where
    words shaped like adjectives or nouns do not count ("This is Non-Personally Identifiable")."""
    end, words, pos = start, 0, start
    while words < 3 and (m := _NAME_WORD.match(text, pos)):
        word = m.group(1)
        bare = word.rstrip(".").lower()
        capitalised = word[0].isupper() and (len(bare) == 1 or not word.isupper())  # not "GDPR"
        if strong:
            name_like = capitalised or not bare.endswith(("ed", *_NOT_NAME_ENDINGS))
        else:
            name_like = capitalised and not bare.endswith(_NOT_NAME_ENDINGS)
        if bare in _COMMON_WORDS or not name_like:
            break
        end, words, pos = m.end(), words + 1, m.end()
    return end if words >= (1 if strong else 2) else start


def _names(text: str) -> str:
    out, last = [], 0
    for m in _NAME_INTRO.finditer(text):
        end = _name_end(text, m.end(), bool(m.group("strong"))) if m.start() >= last else m.end()
        if end > m.end():
            out += [text[last:m.end()], "[name]"]
            last = end
    return "".join(out) + text[last:]


# (step, whether it can only find something in a text with a digit: most questions have none)
_STEPS: tuple[tuple[Callable[[str], str], bool], ...] = (
    (partial(_sub, pattern=_EMAIL, label="email"), False),
    (partial(_sub, pattern=_SPELLED_EMAIL, label="email", check=_spelled_email), False),
    (_ibans, True),
    (partial(_sub, pattern=_IPV4, label="ip address", check=_ip), True),
    (partial(_sub, pattern=_IPV6, label="ip address", check=_ip), False),
    (partial(_sub, pattern=_CARD, label="card number", check=lambda s: luhn.is_valid(re.sub(r"\D", "", s))), True),
    (partial(_sub, pattern=_EXPIRY, label="card expiry"), True),
    (partial(_sub, pattern=_CVV, label="cvv"), True),
    (partial(_sub, pattern=_SSN, label="id number"), True),
    (partial(_sub, pattern=_NINO, label="id number"), True),
    *((partial(_sub, pattern=p, label="id number", check=c), True) for p, c in _CHECKED_IDS),
    (partial(_sub, pattern=_NAMED_ID, label="id number", check=lambda s: len(_DIGIT.findall(s)) >= 4), True),
    (_addresses, True),
    (_phones, True),
    (_names, False),
)


def redact(text: str) -> str:
    """The text with personal details replaced by placeholders such as ``[email]`` or ``[address]``."""
    digits = _DIGIT.search(text) is not None
    for step, needs_digits in _STEPS:
        if digits or not needs_digits:
            text = step(text)
    return text


def warm() -> None:
    """Compile and load everything once (~0.25 s), so that the first question asked is not slower."""
    redact("my name is Jo Bloggs, 1 Main Street, Springfield, IL 62704, DE89 3704 0044 0532 0130 00, 415-555-2671")
