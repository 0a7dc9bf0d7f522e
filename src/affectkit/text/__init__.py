"""Text analyzers: rule/lexicon analyzers (English, Chinese) and the transformer path."""
