"""The words a person reads when their mood has stayed below their own usual level: the one
place they are written (the CLI, the API, the plot and the dashboard all show these).

They were written to describe what was measured and to suggest talking to someone, never to
diagnose: they name no condition, put no label on the person, and claim no clinical meaning.
A test keeps diagnostic words out of them. Change them here, and only with the same care.
"""

from __future__ import annotations

NOTICE_TITLE = "Your entries have read lower than usual for a while"

NOTICE_TEXT = (
    "For {days} days in a row, the entries analysed here read more negative than your own usual "
    "level. This is an automatic reading of the words in the entries, not an assessment of how "
    "you are, and it can be wrong. If things have felt hard lately, it may help to talk with "
    "someone you trust, or with a professional such as a doctor or counsellor. If you might be "
    "in danger, contact your local emergency number."
)

# what every view says about the readings themselves, notice or not
ABOUT = (
    "Mood trends are an automatic reading of the words in entries, compared with the same "
    "person's own earlier entries. They are not a measurement of anyone's health and are not "
    "clinically validated."
)


def notice_message(days: int) -> str:
    """The notice's text for a run of `days` low days."""
    return NOTICE_TEXT.format(days=days)
