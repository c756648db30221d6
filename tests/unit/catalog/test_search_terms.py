"""Segmentation for the full-text index: CJK unigrams and bigrams, stemmed English words."""

from __future__ import annotations

from exchange.catalog.search_terms import MAX_QUERY_TERMS, index_tokens, query_terms


def test_cjk_text_is_indexed_as_characters_and_neighbour_pairs():
    assert index_tokens("碳酸锂").split() == ["碳", "酸", "锂", "碳酸", "酸锂"]


def test_a_single_character_query_is_its_unigram():
    assert query_terms("铜") == ["铜"]


def test_a_longer_cjk_query_needs_every_bigram():
    assert query_terms("碳酸锂") == ["碳酸", "酸锂"]


def test_every_query_term_of_a_title_is_among_its_index_tokens():
    tokens = set(
        index_tokens("新余吨钢能耗月度监测", "Energy consumption per tonne of steel").split()
    )
    for query in ("能耗", "吨钢能耗", "钢", "energy consumption", "tonnes", "steel"):
        assert set(query_terms(query)) <= tokens, query


def test_english_is_lowercased_and_plurals_are_folded():
    assert query_terms("Copper PRICES batteries") == ["copper", "price", "battery"]


def test_words_ending_in_ss_or_us_keep_their_s():
    assert query_terms("process status") == ["process", "status"]


def test_mixed_text_splits_scripts_and_drops_punctuation():
    assert query_terms("铜价（copper）、2026!") == ["铜价", "copper", "2026"]


def test_full_width_characters_are_normalised():
    assert query_terms("ＣＯＰＰＥＲ") == ["copper"]


def test_lists_of_tags_are_indexed_like_text():
    assert index_tokens(["铜", "copper"]) == "铜 copper"


def test_queries_without_searchable_text_have_no_terms():
    assert query_terms("？！…") == []


def test_repeated_terms_count_once_and_long_queries_are_capped():
    assert query_terms("copper copper") == ["copper"]
    assert len(query_terms(" ".join(f"w{i}" for i in range(40)))) == MAX_QUERY_TERMS
