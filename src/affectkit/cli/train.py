"""Fine-tune an encoder + classifier head on your labelled data.

Backbones: minilm (English, default), e5 (multilingual-e5-small: Chinese and mixed text), tfidf
(word + character n-grams and logistic regression: seconds to train, no torch to run).

Examples:
  affectkit train --data reviews.csv --text-col review --label-col stars -o models/reviews
  affectkit train config.toml            # a [train] table with the same keys as the flags
  affectkit train config.toml --epochs 1 # flags override the file

Speech (--modality audio): a head over the Whisper encoder, cross-validated by speaker:
  affectkit train --modality audio --data ravdess/labels.csv --input-col file --group-col actor \
      -o models/speech-emotion

Validation data for early stopping is carved from the training data (--val-ratio) unless
--validation-data is given. An interrupted run resumes from OUTPUT/checkpoint.pt when the same
command is run again.
"""

from __future__ import annotations

import argparse

from affectkit.training.config import TrainingConfig, read_toml

HELP = "fine-tune a text model on labelled data"

# flag -> (TrainingConfig field, type)
FLAGS = {
    "--validation-data": ("validation_data", str),
    "--text-col": ("text_col", str),
    "--label-col": ("label_col", str),
    "--task": ("task", str),
    "--max-rows-per-file": ("max_rows_per_file", int),
    "--val-ratio": ("val_ratio", float),
    "--drop-overlap-from": ("drop_overlap_from", str),
    "--seed": ("seed", int),
    "--train-seed": ("train_seed", int),
    "--backbone": ("backbone", str),
    "--init-from": ("init_from", str),
    "--max-length": ("max_length", int),
    "--head": ("head", str),
    "--dropout": ("dropout", float),
    "--freeze-layers": ("freeze_layers", int),
    "--epochs": ("epochs", int),
    "--batch-size": ("batch_size", int),
    "--grad-accum": ("grad_accum", int),
    "--lr": ("lr", float),
    "--head-lr": ("head_lr", float),
    "--weight-decay": ("weight_decay", float),
    "--warmup-ratio": ("warmup_ratio", float),
    "--class-weights": ("class_weights", str),
    "--label-smoothing": ("label_smoothing", float),
    "--focal-gamma": ("focal_gamma", float),
    "--preprocess": ("preprocess", str),
    "--metric": ("metric", str),
    "--evals-per-epoch": ("evals_per_epoch", int),
    "--patience": ("patience", int),
    "--name": ("name", str),
    "--threads": ("threads", int),
    "--min-df": ("min_df", int),
    "--max-rows-per-label": ("max_rows_per_label", int),
    "--pair-iterations": ("pair_iterations", int),
    "--max-features": ("max_features", int),
}


def _int_range(text: str) -> list[int]:
    """'1,3' -> [1, 3] (an n-gram range)."""
    try:
        lo, hi = (int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MIN,MAX like 1,3; got {text!r}") from None
    return [lo, hi]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", nargs="?", help="TOML file with a [train] table")
    p.add_argument(
        "--modality",
        choices=("text", "audio", "image"),
        default="text",
        help="text (default); audio: --data is a CSV of audio paths (--input-col), labels "
        "and speakers (--group-col); image: --data is an .npz of 48x48 faces (FER2013's layout)",
    )
    p.add_argument(
        "--dev-data",
        help="image: an .npz; --task aspects: a JSONL file; reported on at the end (never for "
        "choosing)",
    )
    p.add_argument("--width", type=int, help="image: the network's base width (24)")
    p.add_argument(
        "--max-epochs-this-run",
        type=int,
        help="image: stop after this many epochs; the same command resumes from the checkpoint",
    )
    p.add_argument(
        "--finish-now",
        action="store_true",
        help="image: write the model folder from the checkpoint's best weights, training no "
        "further (a long run stopped early)",
    )
    p.add_argument(
        "--ensemble",
        action="append",
        metavar="RUN",
        help="image: one model folder (-o) averaging the best weights of these training runs "
        "(repeat; runs on the same data and --seed, differing in --train-seed or --width)",
    )
    p.add_argument("--input-col", help="audio: the column of audio paths (default: input)")
    p.add_argument("--group-col", help="audio: the speaker column (default: speaker)")
    p.add_argument("--folds", type=int, help="audio: cross-validation folds of speakers (6)")
    p.add_argument("--augment-copies", type=int, help="audio: augmented copies per clip (2)")
    p.add_argument("--data-terms", help="audio: the training data's licence, for the model card")
    p.add_argument("--data", action="append", help="training file (repeat for several)")
    p.add_argument("--output", "-o", help="model folder to write")
    p.add_argument("--label-map", help="data label -> model label, e.g. '0=negative,1=positive'")
    p.add_argument("--labels", help="comma-separated label order")
    p.add_argument("--drop-labels", help="comma-separated data labels to leave out")
    p.add_argument("--language", action="append", dest="languages", help="model language(s)")
    p.add_argument("--no-resume", action="store_true", help="ignore an existing checkpoint")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument(
        "--fewshot",
        action="store_true",
        help="8-64 examples per class: contrastive pairs + logistic head (SetFit-style)",
    )
    p.add_argument(
        "--partial-labels",
        action="store_true",
        help="score each file's rows only over the labels that file uses (mixing binary and "
        "3-class files)",
    )
    p.add_argument(
        "--partial-labels-for",
        action="append",
        metavar="FILE",
        help="as --partial-labels, for this training file only (repeat for several)",
    )
    p.add_argument(
        "--group-nested",
        action="store_true",
        help="keep texts that occur inside one another (treebank phrases, quoted replies) on one "
        "side of the train/validation split",
    )
    p.add_argument("--word-ngrams", type=_int_range, help="tfidf backbone: word n-grams MIN,MAX")
    p.add_argument("--char-ngrams", type=_int_range, help="tfidf backbone: char n-grams MIN,MAX")
    for flag, (_, tp) in FLAGS.items():
        p.add_argument(flag, type=tp, default=None)


def parse_map(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep:
            from affectkit.errors import InvalidInputError

            raise InvalidInputError(f"--label-map entries look like 'from=to'; got {part!r}.")
        out[key.strip()] = value.strip()
    return out


def build_config(args: argparse.Namespace) -> TrainingConfig:
    d = dict(read_toml(args.config)) if args.config else {}
    for flag, (key, _) in FLAGS.items():
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None:
            d[key] = value
    if args.data:
        d["data"] = args.data
    if args.output:
        d["output"] = args.output
    if args.label_map:
        d["label_map"] = parse_map(args.label_map)
    if args.labels:
        d["labels"] = [s.strip() for s in args.labels.split(",")]
    if args.drop_labels:
        d["drop_labels"] = [s.strip() for s in args.drop_labels.split(",")]
    if args.languages:
        d["languages"] = args.languages
    for key in ("word_ngrams", "char_ngrams"):
        if getattr(args, key):
            d[key] = getattr(args, key)
    if args.fewshot:
        d["fewshot"] = True
    if args.partial_labels:
        d["partial_labels"] = True
    elif args.partial_labels_for:
        d["partial_labels"] = args.partial_labels_for
    if args.group_nested:
        d["group_nested"] = True
    if args.no_resume:
        d["resume"] = False
    return TrainingConfig.from_dict(d)


def run(args: argparse.Namespace) -> int:
    if args.task == "aspects":
        return _run_aspects(args)
    if args.modality == "audio":
        return _run_audio(args)
    if args.modality == "image":
        return _run_image(args)
    from affectkit.training.trainer import train

    train(build_config(args), progress=not args.quiet)
    return 0


def _run_aspects(args: argparse.Namespace) -> int:
    """``--task aspects``: the aspect model (`affectkit.training.aspects`) from ABSA JSONL files."""
    from affectkit.errors import InvalidInputError
    from affectkit.training.aspects import Settings, train, write_card

    if not args.data or not args.output:
        raise InvalidInputError(
            "--task aspects needs --data FILE.jsonl (repeatable) and -o FOLDER."
        )
    options = {
        "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
        "head_lr": args.head_lr, "weight_decay": args.weight_decay, "warmup": args.warmup_ratio,
        "freeze_layers": args.freeze_layers, "evals_per_epoch": args.evals_per_epoch,
        "threads": args.threads, "seed": args.seed, "finish_now": args.finish_now or None,
    }  # fmt: skip
    settings = Settings(**{k: v for k, v in options.items() if v is not None})
    train(args.data, args.output, dev_files=[args.dev_data] if args.dev_data else [],
          settings=settings)  # fmt: skip
    write_card(args.output)
    return 0


def _run_audio(args: argparse.Namespace) -> int:
    from affectkit.errors import InvalidInputError
    from affectkit.training.speech import SpeechTrainConfig, train_speech

    if not args.data or len(args.data) != 1 or not args.output:
        raise InvalidInputError("--modality audio needs one --data CSV and --output FOLDER.")
    options = {
        "input_col": args.input_col, "label_col": args.label_col, "group_col": args.group_col,
        "folds": args.folds, "augment_copies": args.augment_copies, "seed": args.seed,
        "data_terms": args.data_terms, "max_rows": args.max_rows_per_file,
        "name": args.name,
    }  # fmt: skip
    if args.labels:
        options["labels"] = tuple(s.strip() for s in args.labels.split(","))
    cfg = SpeechTrainConfig(args.data[0], args.output,
                            **{k: v for k, v in options.items() if v is not None})  # fmt: skip
    train_speech(cfg)
    return 0


def _run_image(args: argparse.Namespace) -> int:
    from affectkit.errors import InvalidInputError
    from affectkit.training.vision import VisionTrainConfig, combine_runs, train_vision

    if args.ensemble:
        if not args.output:
            raise InvalidInputError("--ensemble needs --output FOLDER for the model.")
        combine_runs(args.ensemble, args.output, args.dev_data, args.name or "face-expression",
                     args.data_terms or "")  # fmt: skip
        return 0
    if not args.data or len(args.data) != 1 or not args.output:
        raise InvalidInputError("--modality image needs one --data .npz and --output FOLDER.")
    options = {
        "dev_data": args.dev_data, "epochs": args.epochs, "batch_size": args.batch_size,
        "lr": args.lr, "weight_decay": args.weight_decay, "label_smoothing": args.label_smoothing,
        "width": args.width, "dropout": args.dropout, "val_ratio": args.val_ratio,
        "seed": args.seed, "train_seed": args.train_seed, "threads": args.threads,
        "name": args.name, "data_terms": args.data_terms,
        "max_epochs_this_run": args.max_epochs_this_run, "max_rows": args.max_rows_per_file,
        "finish_now": args.finish_now or None,
    }  # fmt: skip
    cfg = VisionTrainConfig(args.data[0], args.output,
                            **{k: v for k, v in options.items() if v is not None})  # fmt: skip
    train_vision(cfg)
    return 0
