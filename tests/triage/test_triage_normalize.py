"""Folding for lexicon matching: one phrase must match its disguises."""

from himoya.triage.engine.normalize import clean, skeleton, skeleton_phrase


def spaced(text: str) -> str:
    return skeleton(text).spaced.strip()


def test_it_ignores_case():
    assert spaced("DON'T Tell Your PARENTS") == spaced("don't tell your parents")


def test_it_reads_cyrillic_lookalikes_inside_latin_words_by_shape():
    # "ѕеnd" with Cyrillic s and e; "рау" all Cyrillic look-alikes in Latin text.
    assert spaced("ѕеnd nudеѕ") == spaced("send nudes")
    assert spaced("рау or i post") == spaced("pay or i post")


def test_it_reads_greek_lookalikes_by_shape():
    assert spaced("kιll myself") == spaced("kill myself")


def test_it_transliterates_real_cyrillic_words():
    assert spaced("не говори родителям") == spaced("ne govori roditelyam")


def test_uzbek_cyrillic_and_latin_fold_to_the_same_skeleton():
    assert spaced("Ота-онангга айтма") == spaced("Ota-onangga aytma")
    assert spaced("ўзимни ўлдираман") == spaced("o‘zimni o‘ldiraman") == spaced("o'zimni o`ldiraman")
    assert spaced("қўрқяпман") == spaced("qo'rqyapman")


def test_it_drops_turkic_diacritics():
    assert spaced("şəkil göndər") == spaced("sekil gonder")
    assert spaced("kendimi öldüreceğim") == spaced("kendimi oldurecegim")


def test_it_collapses_repeated_letters():
    assert spaced("pleeeeease meeeeet me") == spaced("please meet me")


def test_it_reads_leetspeak_only_inside_words():
    assert spaced("s3nd m3 n00dz") == spaced("send me noodz")
    assert spaced("pay 500 now").split()[1] == "500"


def test_it_joins_letters_spelled_out_with_spaces_or_dots():
    assert skeleton("s e n d n u d e s").compact == skeleton("send nudes").compact
    assert spaced("s.e.n.d") == "send"


def test_zero_width_characters_do_not_split_words():
    assert spaced("ki\u200bll my\u200dse\ufeffl\u00adf") == spaced("kill myself")


def test_right_to_left_override_is_read_in_display_order():
    assert clean("\u202eflesym llik") == "kill myself"
    assert spaced("i want to \u202eflesym llik\u202c now") == spaced("i want to kill myself now")


def test_clean_removes_controls_and_keeps_newlines():
    assert clean("a\x00b\x07c\r\nd") == "abc\nd"
    assert clean(b"caf\xc3\xa9 \xff\xfe ok") == "café ok"


def test_fullwidth_and_styled_letters_become_plain():
    assert spaced("ｓｅｎｄ 𝐧𝐮𝐝𝐞𝐬") == "send nudes"


def test_phrase_and_text_fold_the_same_way():
    assert skeleton_phrase("Don't  tell   your parents!") == spaced("dont tell your parents")


def test_empty_and_symbol_only_input():
    assert skeleton("").spaced == " "
    assert skeleton("😀🔥!!!").compact == ""
