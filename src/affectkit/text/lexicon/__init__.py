"""Rule/lexicon analyzers with per-word evidence: English (`en`, ``lexicon-en@1``) and Chinese
(`zh`, ``lexicon-zh@1``).

Each language is a few small modules: the analyzer (`en`, `zh`: results and evidence), its rules
as pure functions (`en_rules`, `zh_rules`, plus `zh_tokens` for segmentation), its loading
(`en_lexicon`, `zh_lexicon`) and, for Chinese, its numbers and word lists (`zh_tables`).
Importing this package loads nothing.
"""
