"""Personal-data detection and redaction."""

import pytest

from himoya.triage.engine.pii import find_personal_data, redact


def kinds(text: str) -> list[tuple[str, str]]:
    return [(p.kind, text[p.start : p.end]) for p in find_personal_data(text)]


@pytest.mark.parametrize(
    "text,number",
    [
        ("call +994 50 123 45 67 now", "+994 50 123 45 67"),
        ("mening raqamim +998 90 123 45 67", "+998 90 123 45 67"),
        ("пиши на 8 912 345-67-89", "8 912 345-67-89"),
        ("beni ara 0532 123 45 67", "0532 123 45 67"),
        ("nömrəm 050 123 45 67", "050 123 45 67"),
        ("whatsapp +44 20 7946 0958", "+44 20 7946 0958"),
    ],
)
def test_it_finds_phone_numbers_of_the_regions_and_international(text, number):
    assert ("phone", number) in kinds(text)


def test_it_finds_emails_and_luhn_valid_cards_only():
    assert kinds("mail me: ivan.petrov@mail.ru") == [("email", "ivan.petrov@mail.ru")]
    assert kinds("card 4111 1111 1111 1111") == [("card", "4111 1111 1111 1111")]
    assert kinds("card 4111 1111 1111 1112") == []


@pytest.mark.parametrize(
    "text",
    [
        "I live at 221 Baker Street",
        "ул. Ленина, д. 5",
        "Nizami küçəsi 45",
        "Amir Temur ko'chasi 15",
        "Atatürk Caddesi No: 12",
    ],
)
def test_it_finds_street_addresses(text):
    assert [k for k, _ in kinds(text)] == ["address"]


def test_ordinary_numbers_are_not_personal_data():
    assert kinds("I am 13, it happened 3 times in 2024 and cost 500 manat") == []


def test_redact_replaces_spans_and_keeps_the_rest():
    text = "write to a@b.com or +994 50 123 45 67, thanks"
    assert redact(text) == "write to [email] or [phone], thanks"
    assert redact(text, placeholder="***") == "write to *** or ***, thanks"


def test_redact_survives_empty_and_huge_input():
    assert redact("") == ""
    big = "x" * 1_000_000
    assert redact(big) == big
