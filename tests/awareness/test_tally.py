"""Counting answers and scoring the quiz (no database)."""

from __future__ import annotations

from himoya.awareness import tally


def test_it_counts_each_pick_of_a_multiple_choice_answer_once():
    assert tally.count_choices([[0], [0, 2], [2, 2], [5], []], 3) == [2, 0, 2]


def test_it_averages_ratings_and_ignores_values_off_the_scale():
    counts, average = tally.count_ratings([[5], [4], [4], [9], []], 5)
    assert counts == [0, 0, 0, 2, 1]
    assert average == 4.33


def test_an_empty_rating_has_no_average():
    assert tally.count_ratings([], 3) == ([0, 0, 0], None)


def test_it_counts_words_the_same_however_they_are_typed():
    words = [tally.normalise_word(w) for w in ["Privacy ", "privacy", "PRIVACY!", "  games  ", "«Games»"]]
    assert tally.count_words([[w] for w in words]) == [("privacy", 3), ("games", 2)]


def test_a_pupil_repeating_a_word_counts_once():
    assert tally.count_words([["games", "games"]]) == [("games", 1)]


def test_words_few_pupils_typed_are_dropped_after_the_session():
    assert tally.suppress_small([("games", 5), ("ali", 1), ("tiktok", 3)], 3) == [("games", 5), ("tiktok", 3)]


def test_a_wrong_answer_earns_nothing_and_a_fast_right_one_the_most():
    assert tally.quiz_points(False, 1, 20) == 0
    assert tally.quiz_points(True, 0, 20) == 1000
    assert tally.quiz_points(True, 10, 20) == 750
    assert tally.quiz_points(True, 25, 20) == 500
    assert tally.quiz_points(True, None, None) == 1000


def test_several_right_answers_must_all_be_picked():
    assert tally.is_right([1, 2], [2, 1])
    assert not tally.is_right([1], [1, 2])
    assert not tally.is_right([1], [])


def test_word_sizes_go_in_six_steps():
    assert [tally.size_class(n, 10) for n in (0, 1, 5, 10)] == [1, 1, 3, 6]
