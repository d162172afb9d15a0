"""Urgency rules are data; their meaning is tested here."""

import pytest

from himoya.triage.engine.urgency import Context, UrgencyRules


def ctx(flagged=(), tags=(), reporter=None, age=None, hash_match=False) -> Context:
    return Context(frozenset(flagged), frozenset(tags), {}, reporter, age, hash_match)


@pytest.fixture(scope="module")
def rules() -> UrgencyRules:
    return UrgencyRules.load()


def test_imminent_dangers_are_p1(rules):
    assert rules.decide(ctx(hash_match=True)).urgency == "P1"
    assert rules.decide(ctx(["sextortion"])).urgency == "P1"
    assert rules.decide(ctx(["self_harm"], ["self_harm:intent"])).urgency == "P1"
    assert rules.decide(ctx(["grooming"], ["grooming:meeting"])).urgency == "P1"
    assert rules.decide(ctx(["grooming"], ["grooming:images"])).urgency == "P1"
    assert rules.decide(ctx(tags=["danger:now"])).urgency == "P1"


def test_grooming_without_contact_is_p2_and_bullying_p3(rules):
    assert rules.decide(ctx(["grooming"], ["grooming:secrecy"])).urgency == "P2"
    assert rules.decide(ctx(["cyberbullying"])).urgency == "P3"
    assert rules.decide(ctx()).urgency == "P4"


def test_the_reporters_choice_weighs_in(rules):
    assert rules.decide(ctx(reporter="self_harm")).urgency == "P2"
    assert rules.decide(ctx(reporter="scam")).urgency == "P3"
    assert rules.decide(ctx(reporter="other")).urgency == "P4"


def test_young_children_move_up_but_age_alone_never_makes_p1(rules):
    d = rules.decide(ctx(["cyberbullying"], age="8_12"))
    assert (d.urgency, d.before_age, d.age_levels) == ("P2", "P3", 1)
    assert rules.decide(ctx(["grooming"], ["grooming:secrecy"], age="under_8")).urgency == "P2"
    assert rules.decide(ctx(age="under_8")).urgency == "P4"  # nothing harmful: no raise
    assert rules.decide(ctx(["cyberbullying"], age="13_17")).urgency == "P3"


def test_deadlines_default_and_override(rules):
    assert dict(rules.deadlines_minutes) == {"P1": 15, "P2": 120, "P3": 1440, "P4": 4320}
    assert rules.with_deadlines({"P1": 5}).deadlines_minutes["P1"] == 5
    with pytest.raises(ValueError):
        rules.with_deadlines({"P9": 5})


def test_rules_are_validated():
    with pytest.raises(ValueError, match="urgency"):
        UrgencyRules.from_mapping({"rules": [{"id": "x", "urgency": "P0", "if": {"hash_match": True}}]})
    with pytest.raises(ValueError, match="unknown condition"):
        UrgencyRules.from_mapping({"rules": [{"id": "x", "urgency": "P1", "if": {"moon": "full"}}]})
    with pytest.raises(ValueError, match="unknown harm"):
        UrgencyRules.from_mapping({"rules": [{"id": "x", "urgency": "P1", "if": {"flagged_any": ["nope"]}}]})


def test_custom_rules_replace_the_file():
    custom = UrgencyRules.from_mapping(
        {"default": "P3", "rules": [{"id": "scam_first", "urgency": "P1", "if": {"flagged_any": ["scam"]}}]}
    )
    assert custom.decide(ctx(["scam"])).urgency == "P1"
    assert custom.decide(ctx(["sextortion"])).urgency == "P3"
