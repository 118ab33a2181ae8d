"""Redaction (issue 8, private by default): every kind of personal detail people paste into a
question is replaced before it is stored, and ordinary privacy questions come back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import Answer, FeedbackStore
from bot.cli import main
from bot.redact import redact

REDACTED = [
    # e-mail addresses, plain and spelled out
    ("mail me at jo.smith+shop@mail.example.co.uk please", "mail me at [email] please"),
    ("john dot smith at example dot com", "[email]"),
    ("email john(at)example(dot)com", "email [email]"),
    ("write to john [at] example [dot] com", "write to [email]"),
    ("reach me at jane.doe at example.com", "reach me at [email]"),
    ("jo at gmail.com is my email", "[email] is my email"),
    # phone numbers: US, international and national forms
    ("call +1 (555) 123-4567 or 555.987.6543", "call [phone] or [phone]"),
    ("my number is 415-555-2671", "my number is [phone]"),
    ("ring +44 20 7946 0958", "ring [phone]"),
    ("phone: 020 7946 0958", "phone: [phone]"),
    ("appelez 01 42 68 53 00", "appelez [phone]"),
    # card numbers (Luhn), expiry dates and CVVs
    ("my card is 4111 1111 1111 1111, is it stored?", "my card is [card number], is it stored?"),
    ("card 5500-0000-0000-0004", "card [card number]"),
    ("my card 4111 1111 1111 1111 exp 12/27 cvv 123", "my card [card number] exp [card expiry] cvv [cvv]"),
    ("expires 12/2027 and the cvc: 1234", "expires [card expiry] and the cvc: [cvv]"),
    ("expiry: 01-29, security code is 456", "expiry: [card expiry], security code is [cvv]"),
    # IBANs (stdnum's check), spaced, compact, lowercase
    ("IBAN DE89 3704 0044 0532 0130 00 is my account", "IBAN [iban] is my account"),
    ("my iban is gb82west12345698765432", "my iban is [iban]"),
    ("NL91ABNA0417164300 was charged", "[iban] was charged"),
    # SSNs (valid or not) and other national IDs
    ("my ssn is 078-05-1120", "my ssn is [id number]"),
    ("SSN 123 45 6789 stored?", "SSN [id number] stored?"),
    ("my ssn is 123456789", "my ssn is [id number]"),
    ("national insurance number QQ 12 34 56 C", "national insurance number [id number]"),
    ("my NINO is AB123456C", "my NINO is [id number]"),
    ("passport number X1234567 is it kept", "passport number [id number] is it kept"),
    ("my sin is 130 692 544", "my sin is [id number]"),
    ("CPF 123.456.789-09", "CPF [id number]"),
    ("DNI 12345678Z", "DNI [id number]"),
    ("codice fiscale RSSMRA85T10A562S", "codice fiscale [id number]"),
    ("aadhaar 2341 2341 2346", "aadhaar [id number]"),
    # IP addresses (checked by ipaddress)
    ("my ip is 192.168.1.10.", "my ip is [ip address]."),
    ("from 2001:db8::8a2e:370:7334 why", "from [ip address] why"),
    ("ip ::1 and 10.0.0.1", "ip [ip address] and [ip address]"),
    # street addresses: pyap's whole addresses and bare street lines
    ("I live at 742 Evergreen Terrace, Springfield, IL 62704 do you sell my data",
     "I live at [address] do you sell my data"),
    ("visit 1 Infinite Loop, Cupertino, CA 95014 today", "visit [address] today"),
    ("my address is 221B Baker Street, London NW1 6XE", "my address is [address]"),
    ("1234 Yonge Street, Toronto, ON M4W 2L2", "[address]"),
    ("I live at 742 Evergreen Terrace Springfield, do you sell my data?", "I live at [address], do you sell my data?"),
    ("12 rue de Rivoli, 75001 Paris", "[address]"),
    ("Hauptstraße 5, 10115 Berlin", "[address]"),
    ("Calle Mayor 5, Madrid", "[address]"),
    # names introduced by a phrase
    ("my name is John Smith", "my name is [name]"),
    ("my name is john smith and I want my data deleted", "my name is [name] and I want my data deleted"),
    ("name: Jane Doe", "name: [name]"),
    ("this is Jane Doe, do you sell my data?", "this is [name], do you sell my data?"),
    ("I'm John Smith, can I delete my account?", "I'm [name], can I delete my account?"),
    ("hi, it's Mary Ann Jones here", "hi, it's [name] here"),
]

UNCHANGED = [
    "do you sell my data", "how long do you keep my data for 30 days?", "is my data stored in the us",
    "can kids under 13 use it", "what happens after 2 years", "i'm in france", "i'm sick of newsletters",
    "im in california what are my ccpa rights", "section 4.2", "GDPR article 17", "do you use cookies on fedex.com",
    "what does https://www.bellacor.com/privacy say about cookies", "order #12345 arrived",
    "order number 1234567 shipped", "Do you keep data for 13 years since 2017?",
    "I shop at bellacor.com, do you track me?", "I signed up at amazon.com", "it cost $1,299.99 in 2023",
    "on 2023-01-15 I deleted my account",
    "between 2019 and 2021", "is there 2-step verification", "is any of my info sold to 3rd parties?",
    "is the app 100% safe?", "I'm In Texas", "I am Canadian, does PIPEDA apply?", "This is confusing",
    "my name is on your mailing list", "my name is listed on your site", "my name is public, can you hide it?",
    "is my name stored", "what is my name used for", "call me maybe", "2 kids on my street use it",
    "is there 1 simple way to opt out", "I live on Main Street", "I have 2 hard drives", "Can I use it in 2 ways",
    "what does clause 3.1.2 say", "version 10.0.19045 of windows", "ISO 27001:2013 certified?", "do you use TLS 1.2",
    "I'm 16, can I sign up?", "at 9:30 am", "between 10:00 and 12:00", "the expiry of my data",
    "does my account expire in 30 days", "valid for 12 months", "Is my address shared with third parties?",
    "do you store my cvv", "What is your IBAN policy", "Do you store my SSN", "my kid is 12",
    "What's the retention period for EU users under GDPR Art. 5(1)(e)?", "I'm New to this, where are my settings",
    "Hello, I'm Bob", "do you share my email address with 3 partners", "I'm GDPR compliant?",
    "This is Non-Personally Identifiable Information.", "my name is being shared",
]


@pytest.mark.parametrize(("text", "expected"), REDACTED)
def test_personal_details_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_questions_are_unchanged(text: str) -> None:
    assert redact(text) == text


def test_nothing_of_any_kind_reaches_the_database_or_the_report(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    identifiers = ["jo.smith@example.com", "john dot smith at example dot com", "415-555-2671", "4111 1111 1111 1111",
                   "exp 12/27", "cvv 739", "DE89 3704 0044 0532 0130 00", "078-05-1120", "QQ 12 34 56 C",
                   "192.168.1.10", "742 Evergreen Terrace", "12 rue de Rivoli", "John Smith"]
    question = ("my name is John Smith, I live at 742 Evergreen Terrace Springfield (or 12 rue de Rivoli, 75001 "
                "Paris), mail jo.smith@example.com or john dot smith at example dot com, phone 415-555-2671, card "
                "4111 1111 1111 1111 exp 12/27 cvv 739, IBAN DE89 3704 0044 0532 0130 00, SSN 078-05-1120, NINO "
                "QQ 12 34 56 C, ip 192.168.1.10: do you sell my data?")
    store = FeedbackStore(tmp_path)
    store.warm()  # what a server does at start: the file is made and the rules are loaded
    assert store.path.exists()
    store.vote(store.record(Answer(question, False, "The policy does not say.", (), "bellacor", 1.0), "test"), up=False)
    assert main(["report", "--data", str(tmp_path)]) == 0
    report = capsys.readouterr().out
    assert "my name is [name], I live at [address] (or [address]), mail [email] or [email]" in report
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("feedback.sqlite3*"))  # the file, its -wal and -shm
    assert b"[card expiry]" in stored
    for identifier in identifiers:
        assert identifier.encode() not in stored, identifier
        assert identifier not in report, identifier
