"""The engine end to end, with the committed models: shape, signals, bad input."""

import json

import pytest

from himoya.triage.engine import HARM_CODES, TriageEngine, TriageInput

SECRET = "Zarina Karimova 2011"  # stands for report text that must never leak into reasons


def reasons_text(result) -> str:
    return json.dumps([r.to_dict() for r in result.reasons], ensure_ascii=False)


def test_result_has_the_cli_shape_and_every_harm(engine):
    out = engine.triage(TriageInput(text="he keeps calling me names in the group chat")).to_dict()
    assert set(out) >= {"language", "language_confidence", "harms", "flagged", "urgency", "reasons", "deadline_minutes"}
    assert set(out["harms"]) == set(HARM_CODES)
    assert all(0.0 <= p <= 1.0 for p in out["harms"].values())
    assert out["urgency"] in {"P1", "P2", "P3", "P4"}
    for reason in out["reasons"]:
        assert set(reason) == {"signal", "harm", "detail", "weight"}
        assert reason["signal"] in {"lexicon", "model", "reporter", "age", "hash", "rule", "input"}


def test_sextortion_in_azerbaijani_is_p1_with_reasons(engine):
    result = engine.triage(TriageInput(text="Pul göndər yoxsa şəkillərini hamıya göndərərəm", age_group="13_17"))
    assert result.language == "az"
    assert "sextortion" in result.flagged
    assert result.urgency == "P1" and result.deadline_minutes == 15
    assert any(r.signal == "lexicon" and r.harm == "sextortion" for r in result.reasons)
    assert any(r.signal == "rule" and "sextortion" in r.detail for r in result.reasons)


def test_grooming_with_a_meeting_is_p1_in_uzbek_cyrillic(engine):
    result = engine.triage("Ҳеч кимга айтма, дарсдан кейин учрашайлик")
    assert (result.language, result.script) == ("uz", "Cyrl")
    assert "grooming" in result.flagged and "grooming:meeting" in result.tags
    assert result.urgency == "P1"


def test_self_harm_intent_is_p1(engine):
    assert engine.triage("I want to kill myself tonight").urgency == "P1"
    assert engine.triage("хочу умереть, это мое последнее сообщение").urgency == "P1"


def test_models_score_english_abuse_and_spam(engine):
    abuse = engine.triage("you are a worthless ugly retard, nobody wants you here")
    assert "cyberbullying" in abuse.flagged
    assert any(r.signal == "model" and r.harm == "cyberbullying" for r in abuse.reasons)
    spam = engine.triage("WINNER!! You have been selected to receive a £900 prize reward! Call 09061701461 to claim")
    assert "scam" in spam.flagged


def test_models_score_russian_toxicity(engine):
    result = engine.triage("ты тупая тварь, иди отсюда, тебя все ненавидят")
    assert result.language == "ru" and "cyberbullying" in result.flagged


def test_harmless_text_is_p4_with_nothing_flagged(engine):
    result = engine.triage("Thank you, that really helped. Have a nice day!")
    assert result.flagged == [] and result.urgency == "P4"


def test_reporter_choice_and_age_weigh_in(lexicon_engine):
    plain = lexicon_engine.triage(TriageInput(text="please help"))
    chosen = lexicon_engine.triage(TriageInput(text="please help", harm="cyberbullying", age_group="8_12"))
    assert plain.urgency == "P4"
    assert "cyberbullying" in chosen.flagged and chosen.urgency == "P2"
    assert {r.signal for r in chosen.reasons} >= {"reporter", "age", "rule"}


def test_hash_match_makes_csam_p1_whatever_the_text(lexicon_engine):
    result = lexicon_engine.triage(TriageInput(text="", hash_match=True))
    assert result.flagged[0] == "csam" and result.urgency == "P1"
    assert any(r.signal == "hash" for r in result.reasons)


def test_unknown_harm_and_age_are_ignored_with_a_reason(lexicon_engine):
    result = lexicon_engine.triage(TriageInput(text="hello", harm="bananas", age_group="ancient"))
    assert result.flagged == []
    assert {r.signal for r in result.reasons if r.weight == 0.0} >= {"reporter", "age"}


def test_extra_phrases_and_deadlines_are_accepted_at_construction():
    engine = TriageEngine.load(
        extra_phrases=[{"phrase": "yashil mushuk", "harm": "dangerous_challenge", "weight": 0.9, "tag": "danger:now"}],
        deadlines={"P1": 5},
        models=False,
    )
    result = engine.triage("bolalar yashil mushuk o'yinini o'ynashyapti")
    assert "dangerous_challenge" in result.flagged
    assert result.urgency == "P1" and result.deadline_minutes == 5


def test_a_directory_without_models_runs_on_lexicons(tmp_path):
    engine = TriageEngine.load(model_dir=tmp_path)
    assert engine.bundle is None
    assert "grooming" in engine.triage("don't tell your parents about us").flagged


def test_reasons_never_contain_the_input_text(engine):
    text = f"My name is {SECRET}, they posted my address and say don't tell your parents"
    result = engine.triage(text)
    assert result.flagged
    assert SECRET not in reasons_text(result) and "Karimova" not in reasons_text(result)


def test_personal_data_and_links_are_returned(engine):
    text = "He wrote from +998 90 123 45 67, see https://www.example.com/post?utm_source=x&id=5"
    result = engine.triage(TriageInput(text=text, links=("HTTP://Example.com/other/",)))
    assert [p.kind for p in result.personal_data] == ["phone"]
    assert result.links == ["example.com/other", "example.com/post?id=5"]


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        b"\x00\xff\xfe\x80binary\x00",
        "😀😂🔥💀" * 20,
        "\u200b\u200c\u200d\ufeff",
        "Привет hello salom мир dünya ўзбек 🙂",
        "\u202e\u202d\u202c\u2066\u2069",
    ],
)
def test_bad_input_gives_a_sensible_result(engine, text):
    result = engine.triage(TriageInput(text=text))
    out = result.to_dict()
    json.dumps(out)
    assert set(out["harms"]) == set(HARM_CODES)
    assert result.flagged == [] and result.urgency == "P4"


def test_emoji_only_is_undetermined_and_p4(engine):
    result = engine.triage("😀😂🔥💀")
    assert (result.language, result.flagged, result.urgency) == ("und", [], "P4")


def test_a_megabyte_of_text_is_handled(engine):
    text = ("This is a long report about my school day. " * 25_000) + " don't tell your parents"
    assert len(text) > 1_000_000
    result = engine.triage(text)
    assert result.language == "en"
    assert any(r.signal == "input" for r in result.reasons)


def test_zero_width_characters_do_not_dodge_the_lexicon(engine):
    result = engine.triage("i w\u200bant to k\u200bi\u200cll my\u200dself")
    assert "self_harm" in result.flagged and result.urgency == "P1"


def test_right_to_left_override_does_not_dodge_the_lexicon(engine):
    result = engine.triage("\u202eflesym llik ot tnaw i")
    assert "self_harm" in result.flagged
    assert any('"kill myself"' in r.detail or '"i want to kill myself"' in r.detail for r in result.reasons)


def test_batches_give_the_same_answers_as_single_calls(engine):
    texts = ["don't tell your parents", "привет", "", "pay or i'll post"]
    batch = engine.triage_many(texts)
    single = [engine.triage(t) for t in texts]
    assert [b.to_dict() for b in batch] == [s.to_dict() for s in single]
