"""Language identification on short chat lines."""

import pytest

from himoya.triage.engine.langid import dominant_script, get_identifier


@pytest.mark.parametrize(
    "text,language,script",
    [
        ("he keeps sending me messages at night", "en", "Latn"),
        ("он просит прислать фото", "ru", "Cyrl"),
        ("mənə hər gün pis mesajlar yazırlar", "az", "Latn"),
        ("u rasm yuborishimni so‘rayapti", "uz", "Latn"),
        ("у расм юборишимни сўраяпти", "uz", "Cyrl"),
        ("bana her gün kötü mesajlar yazıyorlar", "tr", "Latn"),
    ],
)
def test_it_identifies_short_lines(text, language, script):
    guess = get_identifier().identify(text)
    assert (guess.language, guess.script) == (language, script)
    assert 0.0 < guess.confidence <= 1.0


@pytest.mark.parametrize(
    "text", ["", "   ", "😀😀🔥", "12345 678", "https://t.me/somechannel", "\u200b\u200b", "@user"]
)
def test_text_without_letters_is_undetermined(text):
    guess = get_identifier().identify(text)
    assert guess.language == "und" and guess.confidence == 0.0 and guess.script is None


def test_it_never_raises_on_odd_input():
    ident = get_identifier()
    for text in ("\x00\xff", "a" * 1_000_000, "ру mixed ѕcript текст", "\u202etxet"):
        assert ident.identify(text).language


def test_dominant_script():
    assert dominant_script("hello мир мир") == "Cyrl"
    assert dominant_script("123") is None
