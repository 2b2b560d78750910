"""WordNet-weighted introspectability (XNAS Eqs. 2-4) and the local WordNet 3.0 reader.

Class pair ``(i, j)`` gets the WordNet path similarity ``s_ij = 1 / (shortest path + 1)`` of the
classes' synsets in the hypernym/hyponym graph; introspectability becomes the mean over class
pairs of ``(s_ij / s_bar) * d_cos(mu_i, mu_j)`` where ``s_bar`` is the mean similarity over all
class pairs. Semantically close classes (two dog breeds) thus count more than distant ones (a dog
and a truck): a network that separates close classes internally is the easier one to debug.
The authors' released code (LLNL/XNAS at ``aab3efdc``, ``xnas/nas_deephyper/nas_run.py``,
``imagenet_similarity_score``, with the table ``hierarchical_imagenet.py`` makes from NLTK's
``path_similarity``) multiplies each distance by the raw ``s_ij``, without dividing by ``s_bar``:
a constant factor for a given class set, so models rank the same; the values differ by it.

WordNet is read from a local database folder (never downloaded) with NLTK's
``WordNetCorpusReader``: by default ``$LAMOO_WORDNET_DIR``, ``$WNSEARCHDIR`` or Debian's
``/usr/share/wordnet`` (``apt-get install -y wordnet-base``). Debian's package lacks the small
``lexnames`` file NLTK needs; when missing, a copy of the database plus that file (the 45
lexicographer file names of WordNet 3.0, from its documentation) is made once in the cache folder.
"""
from __future__ import annotations

import os
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from lamoo.exceptions import LamooError, MissingDependencyError
from nas_tasks.objectives.base import TaskInfo
from nas_tasks.objectives.introspectability import Introspectability

DEFAULT_WORDNET_DIRS = ("/usr/share/wordnet", "/usr/local/WordNet-3.0/dict", "/usr/share/WordNet-3.0/dict",
                        "/opt/homebrew/share/wordnet", "/usr/local/share/wordnet")
_DB_FILES = ("data.noun", "index.noun", "data.verb", "index.verb", "data.adj", "index.adj", "data.adv", "index.adv",
             "noun.exc", "verb.exc", "adj.exc", "adv.exc")
LEXNAMES = ("adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
            "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling",
            "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object", "noun.person",
            "noun.phenomenon", "noun.plant", "noun.possession", "noun.process", "noun.quantity", "noun.relation",
            "noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body", "verb.change",
            "verb.cognition", "verb.communication", "verb.competition", "verb.consumption", "verb.contact",
            "verb.creation", "verb.emotion", "verb.motion", "verb.perception", "verb.possession", "verb.social",
            "verb.stative", "verb.weather", "adj.ppl")
_POS_CODE = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}


class WordNetNotFoundError(LamooError, FileNotFoundError):
    """No local WordNet 3.0 database folder was found."""


def find_wordnet_dir(path=None) -> Path | None:
    """The WordNet database folder: ``path`` if given, else the first of ``$LAMOO_WORDNET_DIR``,
    ``$WNSEARCHDIR`` and :data:`DEFAULT_WORDNET_DIRS` that holds ``data.noun``; None if none does."""
    candidates = [path] if path is not None else [os.environ.get("LAMOO_WORDNET_DIR"),
                                                  os.environ.get("WNSEARCHDIR"), *DEFAULT_WORDNET_DIRS]
    for c in candidates:
        if c and (Path(c) / "data.noun").is_file():
            return Path(c)
    return None


def _reader_dir(db: Path, cache_dir) -> Path:
    if (db / "lexnames").is_file():
        return db
    from nas_tasks.cache import cache_dir as default_cache_dir

    target = Path(cache_dir or default_cache_dir()) / "wordnet-3.0"
    if not (target / "lexnames").is_file():
        tmp = target.with_name(target.name + f".tmp{os.getpid()}")
        tmp.mkdir(parents=True, exist_ok=True)
        for f in _DB_FILES:
            if not (db / f).is_file():
                raise WordNetNotFoundError(f"WordNet folder {db} lacks {f}")
            shutil.copyfile(db / f, tmp / f)  # NLTK refuses symbolic and hard links
        (tmp / "lexnames").write_text("".join(f"{i:02d}\t{n}\t{_POS_CODE[n.split('.')[0]]}\n"
                                              for i, n in enumerate(LEXNAMES)))
        try:
            tmp.rename(target)
        except OSError:  # another process made it first
            shutil.rmtree(tmp, ignore_errors=True)
    return target


@lru_cache(maxsize=4)
def open_wordnet(path=None, cache_dir=None):
    """An NLTK ``WordNetCorpusReader`` on the local WordNet 3.0 database (see the module docstring)."""
    try:
        import nltk.data
        from nltk.corpus.reader.wordnet import WordNetCorpusReader
    except ImportError as exc:
        raise MissingDependencyError("introspectability_wordnet needs nltk: pip install 'lamoo[nas]'") from exc
    db = find_wordnet_dir(path)
    if db is None:
        raise WordNetNotFoundError(
            "no WordNet 3.0 database folder found (looked at "
            f"{path if path is not None else ', '.join(['$LAMOO_WORDNET_DIR', '$WNSEARCHDIR', *DEFAULT_WORDNET_DIRS])}); "
            "install one with `apt-get install -y wordnet-base` or point LAMOO_WORDNET_DIR at a folder with data.noun")
    root = _reader_dir(db, cache_dir)
    if str(root) not in [str(p) for p in nltk.data.path]:
        nltk.data.path.append(str(root))  # NLTK only reads corpora under its data path

    class _LocalWordNet(WordNetCorpusReader):
        def map_wn(self, version="wordnet"):
            return None  # the OMW version map needs NLTK's own downloaded copy; not used here

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "multilingual functions are not available"
        return _LocalWordNet(str(root), None)


def synset(wn, spec: str):
    """A synset from ``"n02119789"`` (a wnid: pos letter + WordNet 3.0 offset) or ``"dog.n.01"``."""
    spec = str(spec)
    if len(spec) == 9 and spec[0] in "nvar" and spec[1:].isdigit():
        return wn.synset_from_pos_and_offset(spec[0], int(spec[1:]))
    return wn.synset(spec)


def similarity_matrix(synsets: Sequence[str], wordnet_dir=None, cache_dir=None) -> np.ndarray:
    """``(k x k)`` WordNet path similarities ``1 / (shortest hypernym/hyponym path + 1)``
    (diagonal 1) between the given synsets."""
    wn = open_wordnet(wordnet_dir, cache_dir)
    ss = [synset(wn, s) for s in synsets]
    k = len(ss)
    S = np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            S[i, j] = S[j, i] = ss[i].path_similarity(ss[j]) or 0.0
    return S


def builtin_synsets(dataset: str, classes: Sequence[str]) -> list[str]:
    """The built-in synsets of ``dataset``'s classes, checked against its class names."""
    from nas_tasks.objectives.wordnet_maps import SYNSET_MAPS

    if dataset not in SYNSET_MAPS:
        raise ValueError(f"no built-in WordNet synsets for dataset {dataset!r} (built in: "
                         f"{', '.join(SYNSET_MAPS)}); pass synsets=[one per class] to introspectability_wordnet")
    table = SYNSET_MAPS[dataset][:len(classes)]
    names = [n.lower().replace("-", "_").replace(" ", "_") for n, _ in table]
    given = [c.lower().replace("-", "_").replace(" ", "_") for c in classes]
    if len(table) != len(classes) or names != given:
        raise ValueError(f"dataset {dataset!r}: class names {list(classes)[:5]}... do not match the built-in map "
                         f"{names[:5]}...; pass synsets=[one per class]")
    return [s for _, s in table]


def normalized_pair_weights(S: np.ndarray) -> np.ndarray:
    """``S / mean(S[i < j])``: similarities normalized to mean 1 over all class pairs."""
    iu = np.triu_indices(len(S), 1)
    mean = S[iu].mean()
    if not mean > 0:
        raise ValueError("WordNet similarities of all class pairs are zero: cannot normalize")
    return S / mean


class IntrospectabilityWordNet(Introspectability):
    """XNAS Eqs. 2-4 (see the module docstring). Maximize; reference point 0.

    Args:
        synsets: one synset per class (wnid ``"n02119789"`` or name ``"dog.n.01"``); default:
            the built-in map of the task's dataset (CIFAR-10, CIFAR-100, ImageNet16-120, digits).
        wordnet_dir: the WordNet database folder (default: see :func:`find_wordnet_dir`).
        layers, group_by, batch_size, absent: as for :class:`Introspectability`.
    """

    name = "introspectability_wordnet"

    def __init__(self, synsets: Sequence[str] | None = None, wordnet_dir=None, layers="all",
                 group_by: str = "label", batch_size: int = 256, absent: str = "zero"):
        super().__init__(layers, group_by, batch_size, absent)
        self.synsets = None if synsets is None else tuple(synsets)
        self.wordnet_dir = wordnet_dir
        self._weights: dict = {}

    def params(self) -> dict:
        return {**super().params(), "synsets": None if self.synsets is None else list(self.synsets)}

    def class_synsets(self, info: TaskInfo) -> list[str]:
        if self.synsets is not None:
            if len(self.synsets) != info.num_classes:
                raise ValueError(f"introspectability_wordnet: {len(self.synsets)} synsets given for "
                                 f"{info.num_classes} classes")
            return list(self.synsets)
        return builtin_synsets(info.dataset, info.classes)

    def pair_weights(self, info: TaskInfo) -> torch.Tensor:
        key = (info.dataset, info.num_classes)
        if key not in self._weights:
            S = similarity_matrix(self.class_synsets(info), self.wordnet_dir, info.cache_dir)
            self._weights[key] = torch.as_tensor(normalized_pair_weights(S))
        return self._weights[key]

    def default_ref(self, info: TaskInfo) -> float:
        return 0.0

    def ideal(self, info: TaskInfo) -> float:
        return None  # weighted distances can exceed 2 for the most similar pairs
