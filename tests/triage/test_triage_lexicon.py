"""Phrase lexicons: files, extra phrases from the admin, Aho-Corasick matching."""

import pytest

from himoya.triage.engine.lexicon import Lexicon, Phrase, load_default_phrases, read_tsv
from himoya.triage.engine.taxonomy import HARM_CODES


def harms(lexicon: Lexicon, text: str) -> set[str]:
    return {hit.phrase.harm for hit in lexicon.match(text)}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(load_default_phrases())


def test_every_harm_but_other_has_phrases_in_every_language():
    phrases = load_default_phrases()
    for language in ("en", "ru", "az", "uz", "tr"):
        covered = {p.harm for p in phrases if p.language == language}
        assert covered >= set(HARM_CODES) - {"other"}, (language, set(HARM_CODES) - covered)


@pytest.mark.parametrize(
    "text,harm",
    [
        ("he said don't tell your parents", "grooming"),
        ("pay or I'll post your pics", "sextortion"),
        ("никому не говори, это наш секрет", "grooming"),
        ("heç kimə demə", "grooming"),
        ("Ота-онангга айтма", "grooming"),
        ("ota-onangga aytma", "grooming"),
        ("ўзимни ўлдираман", "self_harm"),
        ("o'zimni o'ldirmoqchiman", "self_harm"),
        ("özümü öldürəcəm", "self_harm"),
        ("kendimi öldüreceğim", "self_harm"),
        ("kids are doing the blackout challenge", "dangerous_challenge"),
        ("они выложили наш домашний адрес", "privacy"),
        ("sizga bepul olmos beramiz", "scam"),
    ],
)
def test_it_finds_phrases_in_every_language(lexicon, text, harm):
    assert harm in harms(lexicon, text)


def test_it_sees_through_disguises(lexicon):
    for text in ("S E N D  N U D E S", "s3nd nud3s", "ѕеnd nudеѕ", "se\u200bnd nu\u200bdes", "seeeend nuuudes"):
        assert "grooming" in harms(lexicon, text), text


def test_phrases_match_whole_words_unless_they_end_with_a_star(lexicon):
    assert "self_harm" not in harms(lexicon, "the skill myself and others lack")
    # "o'zimni o'ldir*" is a stem: any ending matches.
    assert "self_harm" in harms(lexicon, "o'zimni o'ldirib qo'yaman")


def test_spaced_view_does_not_glue_ordinary_words(lexicon):
    assert harms(lexicon, "my kid stayed in the library") == set()


def test_extra_phrases_work_like_file_phrases():
    lex = Lexicon(load_default_phrases() + [Phrase("yashil mushuk", "dangerous_challenge", 0.8, "danger:now")])
    hits = lex.match("Bugun YASHIL MUSHUK o'yinini o'ynashdi")
    assert [(h.phrase.harm, h.phrase.tag) for h in hits] == [("dangerous_challenge", "danger:now")]


def test_extra_phrases_may_be_plain_mappings():
    lex = Lexicon([{"phrase": "green cat game", "harm": "dangerous_challenge"}])
    (hit,) = lex.match("they play the green cat game")
    assert hit.phrase.weight == 0.6 and hit.phrase.source == "extra"


def test_the_same_wording_in_two_files_is_reported_once():
    lex = Lexicon(
        [
            Phrase("challenge", "dangerous_challenge", 0.3, language="en"),
            Phrase("challenge", "dangerous_challenge", 0.4, language="tr"),
        ]
    )
    (hit,) = lex.match("a challenge")
    assert hit.phrase.weight == 0.4


def test_bad_phrases_are_rejected_with_the_line():
    with pytest.raises(ValueError, match="unknown harm"):
        Phrase("x", "not_a_harm", 0.5)
    with pytest.raises(ValueError, match="weight"):
        Phrase("x", "scam", 1.5)
    with pytest.raises(ValueError, match="line 3"):
        read_tsv("harm\ttag\tweight\tphrase\nscam\t-\t0.5\tok\nscam\t-\tabc\tbad\n", source="t.tsv")


def test_empty_lexicon_and_empty_text():
    assert Lexicon([]).match("anything") == []
    assert Lexicon(load_default_phrases()).match("") == []
