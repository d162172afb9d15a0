"""Folding and light stemming: what a child types finds what the article says."""

from __future__ import annotations

import pytest

from himoya.knowledge.textsearch import fold, light_stem, query_terms


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("santaj", "şantaj"),
        ("elaqe", "əlaqə"),
        ("ISTANBUL", "İstanbul"),
        ("елка", "ёлка"),
        ("ogil", "oʻgʻil"),
        ("ogil", "o'g'il"),
        ("talim", "taʼlim"),
    ],
)
def test_it_folds_letters_children_type_differently(typed, written):
    assert fold(typed) == fold(written)


@pytest.mark.parametrize(
    ("word", "language", "stem"),
    [
        ("şəkillərimi", "az", "sekil"),
        ("şantajdan", "az", "santaj"),
        ("polisə", "az", "polis"),
        ("rasmlaringni", "uz", "rasm"),
        ("firibgarlar", "uz", "firibgar"),
        ("шантажа", "ru", "шантаж"),
        ("internet", "az", "internet"),
    ],
)
def test_light_stemming_strips_common_endings(word, language, stem):
    assert light_stem(fold(word), language) == stem


def test_short_words_keep_three_letters():
    assert light_stem("ona", "az") == "ona"


def test_query_terms_are_prefixes_where_the_database_cannot_stem():
    assert query_terms("Şəkillərimi paylaşırlar!", "az", stems=False) == [("sekil", True), ("paylasir", True)]
    assert query_terms("blackmail photos", "en", stems=True) == [("blackmail", False), ("photos", False)]


def test_query_terms_ignore_punctuation_and_are_bounded():
    assert query_terms('"; DROP TABLE x; -- *', "en", stems=True) == [("drop", False), ("table", False)]
    assert len(query_terms("word " * 100 + " ".join(f"w{i}" for i in range(40)), "en", stems=True)) == 12
