"""Language routing by dominant script."""

import pytest

from affectkit.text.language import detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I love this", "en"),
        ("这家酒店服务很好", "zh"),
        ("這間酒店環境不錯", "zh"),  # traditional Chinese is Chinese
        ("今天好开心 happy happy", "zh"),  # Weibo-style mixed, Chinese dominant
        ("The iPhone 15 is great, 但是太贵", "en"),  # English dominant
        ("😊😊", "en"),  # emoji only: the English analyzer reads emoji
        ("12345", "en"),
        ("Сегодня хороший день", "unsupported"),
        ("今日はとても楽しかったです", "unsupported"),  # Japanese: kana beside kanji
        ("مرحبا بالعالم", "unsupported"),
        ("Café crème très bon", "en"),  # Latin script goes to English (documented)
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang
