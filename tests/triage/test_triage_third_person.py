"""Reports written by a parent or a friend, about a child, in the third person: the lexicons
carry these phrasings too, not only what is said to a child."""

from __future__ import annotations

import pytest

from himoya.triage.engine import TriageInput


@pytest.mark.parametrize(
    ("text", "harm", "urgency"),
    [
        ("My sister's ex threatens to post the photos unless she pays him 200 manat.", "sextortion", "P1"),
        ("An older boy online asks for pictures of my daughter and offers gifts.", "grooming", "P1"),
        ("Somebody writes to my son from different accounts and knows where we live.", "cyberstalking", "P2"),
        ("Kids in his class film each other holding their breath until they faint.", "dangerous_challenge", "P2"),
        ("The site offers fake scholarships and asks the pupils to pay a fee first.", "scam", "P3"),
        ("Незнакомец угрожает разослать снимки дочери, если она не заплатит.", "sextortion", "P1"),
        ("Взрослый мужчина просит прислать фото и предлагает деньги моему сыну.", "grooming", "P1"),
        ("Ему дают опасные задания в игре, последнее было порезать руку.", "self_harm", "P2"),
        ("Bir nəfər qızımın şəkillərini yaymaqla hədələyir, pul istəyir.", "sextortion", "P1"),
        ("Noma'lum odam o'g'limdan rasm so'raydi va sovg'a va'da qiladi.", "grooming", "P1"),
        ("Eski sevgilisi, para vermezse kızımın fotoğraflarını yaymakla tehdit ediyor.", "sextortion", "P1"),
        ("Oyunda tanıştığı biri oğlumdan fotoğraf istiyor ve hediyeler vaat ediyor.", "grooming", "P1"),
        ("Sınıftakiler birbirini bayılana kadar nefesini tutarken çekiyor.", "dangerous_challenge", "P2"),
    ],
)
def test_third_person_reports_are_flagged(engine, text, harm, urgency):
    result = engine.triage(TriageInput(text=text))
    assert harm in result.flagged, result.flagged
    assert result.urgency <= urgency  # "P1" < "P2": at least this urgent
