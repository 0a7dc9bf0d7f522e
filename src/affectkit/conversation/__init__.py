"""Customer-service conversations: per-turn polarity and emotions for customer and agent, the
customer's trajectory, a dissatisfaction (escalation-risk) score per customer turn and per
conversation with the turns and features that drove it, and a summary.

- `dialogue`: turns checked, roles resolved (`make_conversation`), JSONL files read
  (`read_conversations`).
- `features`: what the model sees of a customer turn and its context (pure functions).
- `model`: `DissatisfactionModel`, a logistic regression, and the conversation-level pooling.
- `metrics`: AUC, macro-F1, threshold choice.
- `summary`: entered, left, turning points.
- `analyze`: `analyze_conversation`, which puts them together.

The shipped model (``affectkit/models/conversation-dissatisfaction``) is fitted on the User
Satisfaction Simulation dialogues; bench/conversation.py refits it and measures it. See
docs/conversations.md.
"""

from affectkit.conversation.analyze import (
    ConversationResult,
    TurnResult,
    analyze_checked,
    analyze_conversation,
    load_model,
    score_conversation,
)
from affectkit.conversation.dialogue import (
    AGENT_ROLES,
    CUSTOMER_ROLES,
    MAX_TURNS,
    Conversation,
    Turn,
    make_conversation,
    read_conversations,
)
from affectkit.conversation.model import DissatisfactionModel

__all__ = [
    "AGENT_ROLES",
    "CUSTOMER_ROLES",
    "MAX_TURNS",
    "Conversation",
    "ConversationResult",
    "DissatisfactionModel",
    "Turn",
    "TurnResult",
    "analyze_checked",
    "analyze_conversation",
    "load_model",
    "make_conversation",
    "read_conversations",
    "score_conversation",
]
