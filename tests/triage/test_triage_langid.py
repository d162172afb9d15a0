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


def test_a_batch_scores_as_py3langid_scores_each_line():
    """Lines scored together in one product get what py3langid's own scorer gives each alone."""
    import numpy as np

    from himoya.triage.engine.langid import prepare
    from himoya.triage.engine.normalize import clean

    lines = [
        "he keeps sending me messages at night",
        "",
        "😀😀🔥",
        "он просит прислать фото",
        "u rasm yuborishimni so‘rayapti",
        "ЗАГЛАВНЫМИ БУКВАМИ ПИШУ",
        "qq",
        "bana her gün kötü mesajlar yazıyorlar",
    ]
    ident = get_identifier()
    batch = ident.identify_many_cleaned([clean(line) for line in lines])
    assert batch == [ident.identify(line) for line in lines]
    for line, guess in zip(lines, batch, strict=True):
        if guess.language == "und":
            continue
        scores = np.asarray(ident._model._decide(prepare(clean(line))), dtype=np.float64) * ident._prior
        for first, dupe in ident._duplicates:
            scores[first] += scores[dupe]
            scores[dupe] = 0.0
        assert guess.language == ident._classes[int(scores.argmax())].replace("uzs", "uz")
        assert guess.confidence == pytest.approx(scores.max() / scores.sum(), abs=1e-3)
