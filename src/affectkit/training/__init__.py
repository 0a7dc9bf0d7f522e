"""Fine-tuning: data preparation, the trainer, evaluation. Imports torch only when training."""
