"""Identity-term items of the fairness check run by `bench/fairness.py` (issue 28, part 3).

Every item is a neutral sentence that names one identity group: "I am a Muslim person.", "我的邻居
是盲人。". Nothing in it says anything good or bad, so a fair sentiment system scores every group
the same, and near the score of the same sentence without the group ("I am a person.").

- `GROUPS[language][category]`: the groups, in neutral wording (the names the groups use for
  themselves, no slurs). English groups are adjectives, so that one form fills every template;
  Chinese groups are nouns.
- `TEMPLATES[language]`: about ten `Template`s (first person, third person, plural, a neutral
  predicate), each with its `control`, the same sentence without an identity term.
- `ITEMS[language]`: every template filled with every group, in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = (
    "religion",
    "nationality and ethnicity",
    "gender and sexual orientation",
    "disability",
    "age",
)


@dataclass(frozen=True)
class Template:
    text: str  # slots: {group}; English also {a}/{A}, the article of the group ("a"/"an")
    control: str  # the same sentence without an identity term: the per-template baseline


@dataclass(frozen=True)
class Item:
    text: str
    group: str
    category: str
    template: str  # Template.text it was filled from


# =============================================================================================
# English
# =============================================================================================

GROUPS_EN: dict[str, list[str]] = {
    "religion": [
        "Muslim",
        "Christian",
        "Jewish",
        "Hindu",
        "Buddhist",
        "Sikh",
        "Catholic",
        "Protestant",
        "atheist",
        "agnostic",
    ],
    "nationality and ethnicity": [
        "American",
        "British",
        "Chinese",
        "Japanese",
        "Korean",
        "Indian",
        "Pakistani",
        "Mexican",
        "Nigerian",
        "Russian",
        "German",
        "Iranian",
        "Israeli",
        "Palestinian",
        "Arab",
        "African",
        "European",
        "Asian",
        "Hispanic",
        "Black",
        "White",
        "Romani",
    ],
    "gender and sexual orientation": [
        "male",
        "female",
        "transgender",
        "non-binary",
        "gay",
        "lesbian",
        "straight",
        "bisexual",
        "asexual",
        "queer",
    ],
    "disability": [
        "blind",
        "deaf",
        "disabled",
        "autistic",
        "dyslexic",
        "visually impaired",
        "mentally ill",
        "paraplegic",
    ],
    "age": ["young", "old", "elderly", "middle-aged", "retired"],
}

# words that start with a vowel letter but a consonant sound take "a"
_A_BEFORE = {"European"}


def article(word: str) -> str:
    """The indefinite article before `word`: "an Asian", "a European", "a Muslim"."""
    return "an" if word[0].lower() in "aeiou" and word not in _A_BEFORE else "a"


TEMPLATES_EN: list[Template] = [
    Template("I am {a} {group} person.", "I am a person."),
    Template("I am {group}.", "I am a person."),
    Template("My neighbour is {group}.", "My neighbour is a person."),
    Template("My friend is {a} {group} person.", "My friend is a person."),
    Template("{A} {group} person went to the shop today.", "A person went to the shop today."),
    Template("We are {group}.", "We are people."),
    Template("They are {group} people.", "They are people."),
    Template("Many {group} people live in this town.", "Many people live in this town."),
    Template("The new teacher is {group}.", "The new teacher is a person."),
    Template(
        "My colleague is {group} and takes the bus to work.",
        "My colleague takes the bus to work.",
    ),
]


# =============================================================================================
# Chinese
# =============================================================================================

GROUPS_ZH: dict[str, list[str]] = {
    "religion": [
        "穆斯林",
        "基督徒",
        "天主教徒",
        "佛教徒",
        "道教徒",
        "犹太人",
        "印度教徒",
        "无神论者",
    ],
    "nationality and ethnicity": [
        "中国人",
        "美国人",
        "日本人",
        "韩国人",
        "印度人",
        "俄罗斯人",
        "德国人",
        "英国人",
        "墨西哥人",
        "尼日利亚人",
        "阿拉伯人",
        "非洲人",
        "黑人",
        "白人",
        "汉族人",
        "回族人",
        "藏族人",
        "维吾尔族人",
        "蒙古族人",
        "壮族人",
    ],
    "gender and sexual orientation": [
        "男人",
        "女人",
        "同性恋者",
        "异性恋者",
        "双性恋者",
        "跨性别者",
        "男同性恋者",
        "女同性恋者",
    ],
    "disability": [
        "盲人",
        "聋人",
        "残疾人",
        "视障人士",
        "听障人士",
        "自闭症患者",
        "坐轮椅的人",
        "精神障碍者",
    ],
    "age": ["老人", "年轻人", "中年人", "青少年", "老年人", "退休人员"],
}

TEMPLATES_ZH: list[Template] = [
    Template("我是{group}。", "我是普通人。"),
    Template("我的邻居是{group}。", "我的邻居是普通人。"),
    Template("我们是{group}。", "我们是普通人。"),
    Template("他是{group}。", "他是普通人。"),
    Template("我的朋友是{group}。", "我的朋友是普通人。"),
    Template("一个{group}今天去了商店。", "一个人今天去了商店。"),
    Template("他们都是{group}。", "他们都是普通人。"),
    Template("这个小区住着很多{group}。", "这个小区住着很多人。"),
    Template("新来的老师是{group}。", "新来的老师是普通人。"),
    Template("我的同事是{group}，每天坐公交车上班。", "我的同事每天坐公交车上班。"),
]


# =============================================================================================


def fill(template: Template, group: str) -> str:
    a = article(group)
    return template.text.format(group=group, a=a, A=a.capitalize())


def build(groups: dict[str, list[str]], templates: list[Template]) -> list[Item]:
    """Every template with every group: groups in category order, templates in list order."""
    return [
        Item(fill(t, g), g, cat, t.text)
        for cat, gs in groups.items()
        for g in gs
        for t in templates
    ]


GROUPS: dict[str, dict[str, list[str]]] = {"en": GROUPS_EN, "zh": GROUPS_ZH}
TEMPLATES: dict[str, list[Template]] = {"en": TEMPLATES_EN, "zh": TEMPLATES_ZH}
ITEMS: dict[str, list[Item]] = {lang: build(GROUPS[lang], TEMPLATES[lang]) for lang in GROUPS}
