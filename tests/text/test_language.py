"""Language routing by dominant script."""

import pytest

from affectkit.text.language import detect_language, is_name_or_title


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
        ("今日はとても楽しかったです", "ja"),  # Japanese: kana beside kanji
        ("ひらがなだけのぶん", "ja"),  # kana only
        ("カタカナ", "ja"),
        ("안녕하세요 반갑습니다", "unsupported"),
        # names and titles inside Chinese weigh one word however long they are
        ("发表在 Nature Communications 和 Journal of Applied Psychology 上的研究表明...", "zh"),
        ("我在用 Microsoft Visual Studio Code 写代码", "zh"),
        ("推荐大家读 Journal of Personality and Social Psychology", "zh"),
        ("我用 iPhone 15 Pro Max 拍的照片太好看了", "zh"),
        # ... but English prose around a Chinese name is English
        ("I love 北京 so much", "en"),
        ("I LOVE THIS 北京", "en"),  # shouting is not a title
        ("I visited 北京 and 上海 last summer with my family", "en"),
        ("这部电影 so boring, I want my money back", "en"),
        ("مرحبا بالعالم", "unsupported"),
        ("Café crème très bon", "en"),  # Latin script goes to English (documented)
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_names_and_titles():
    assert is_name_or_title("Journal of Applied Psychology".split())
    assert is_name_or_title(["BBC", "News"]) and is_name_or_title(
        ["The", "Lord", "of", "the", "Rings"]
    )
    assert not is_name_or_title(["Nature"])  # one word weighs one word anyway
    assert not is_name_or_title("I LOVE THIS".split())
    assert not is_name_or_title("The food was".split())
