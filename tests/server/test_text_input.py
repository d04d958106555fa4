from server.text_input import MAX_MESSAGE_CHARS, clean_text, has_words, limit_text


def test_control_bidi_and_zero_width_characters_are_dropped():
    assert clean_text("wal\u200bking\x00 he\u202elps\ufeff") == "walking helps"
    assert clean_text("line one\nline two\t!") == "line one\nline two\t!"


def test_empty_input_is_empty():
    assert clean_text(None) == "" and clean_text("   ") == ""


def test_long_text_is_cut_at_the_limit():
    text, cut = limit_text("x" * 20_000)
    assert cut and len(text) == MAX_MESSAGE_CHARS
    assert limit_text("short") == ("short", False)


def test_words_are_letters_or_digits():
    assert not has_words("😀 🙏 !!!")
    assert not has_words("")
    assert has_words("/restart") and has_words("ok")


def test_lone_surrogates_are_dropped_and_real_emoji_kept():
    assert clean_text("walk\ud800ing \udfff\U0001f600") == "walking \U0001f600"
