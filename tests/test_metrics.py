import pytest

from offrecord.metrics import cp_word_error_rate
from offrecord.metrics import word_error_rate as wer


def test_wer_helper():
    assert wer("the cat sat", "the cat sat") == 0.0
    assert wer("the cat sat", "the bat sat down") == pytest.approx(2 / 3)
    assert wer("Mr. Smith-Jones, hello!", "mister smith jones hello") == 0.0


def test_cpwer_counts_words_given_to_the_wrong_speaker():
    reference = {"A": "we ship on monday", "B": "the budget is small"}
    assert cp_word_error_rate(reference, {"x": "the budget is small", "y": "we ship on monday"}) == 0.0
    # "monday" given to B's voice: one deletion for A, one insertion for B
    assert cp_word_error_rate(reference, {"x": "we ship on", "y": "monday the budget is small"}) == pytest.approx(2 / 8)
    # everything given to one voice: B's 4 words inserted into A's, and deleted from B
    assert cp_word_error_rate(reference, {"x": "we ship on monday the budget is small"}) == 1.0
