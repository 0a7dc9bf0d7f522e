"""Review analytics: a file of reviews in, a report of the aspects they talk about out.

- `table`: review files (CSV, TSV, JSON Lines) as rows, unreadable rows kept in place.
- `report`: `build_report`, the aggregation (pure): per group the top aspects, their sentiment,
  evidence words and example sentences; volume and mean valence over time; rows left out.
- `html`: `render_html`, the report as one self-contained HTML page (inline CSS and SVG).

The aspects themselves come from `affectkit.aspects.analyze_aspects`. `affectkit report` is the
command; docs/reviews.md describes the report and its JSON.
"""

from affectkit.reviews.html import render_html
from affectkit.reviews.report import analysable, build_report, text_problem
from affectkit.reviews.table import Table, check_columns, read_table

__all__ = [
    "Table",
    "analysable",
    "build_report",
    "check_columns",
    "read_table",
    "render_html",
    "text_problem",
]
