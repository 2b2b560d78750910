"""Image folders: a dataset of your own images, one sub-folder per class.

``folder:PATH`` names one wherever a dataset is named in the pruning task and OoD sets
(:mod:`nas_tasks.pruning`, :mod:`nas_tasks.objectives.robustness`); a relative ``PATH`` is looked up
under ``data_root``. Layouts::

    PATH/<class>/<image>                    all images; splits are made by the task
    PATH/train/<class>/<image>, PATH/test/<class>/<image>   an official test split

Classes are the sub-folder names in sorted order (``train`` and ``test`` must have the same ones);
images are the files ending in ``.png``, ``.jpg``, ``.jpeg``, ``.bmp``, ``.gif``, ``.ppm``,
``.pgm``, ``.tif`` or ``.tiff``, read with Pillow. They become grey when every image is grey, RGB
otherwise, and must share one size unless ``image_size`` resizes them all (bilinear). Stored as
uint8 ``n x c x h x w`` with ``scale = 1/255``, like the other datasets.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from lamoo.exceptions import InvalidInputError
from nas_tasks.training.data import DatasetNotFoundError, ImageDataset

PREFIX = "folder:"
EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".tif", ".tiff")


def folder_path(name: str, data_root=None) -> Path:
    """The folder ``folder:PATH`` names (relative paths under ``data_root``)."""
    path = Path(name[len(PREFIX):] if name.startswith(PREFIX) else name).expanduser()
    if not path.is_absolute() and data_root is not None:
        path = Path(data_root).expanduser() / path
    if not path.is_dir():
        raise DatasetNotFoundError(f"image folder {str(path)!r} does not exist")
    return path


def _class_files(root: Path) -> dict[str, list[Path]]:
    classes = sorted(p for p in root.iterdir() if p.is_dir())
    if not classes:
        raise InvalidInputError(f"image folder {str(root)!r} has no class sub-folders (expected {root}/<class>/<image>)")
    out = {}
    for c in classes:
        files = sorted(f for f in c.iterdir() if f.is_file() and f.suffix.lower() in EXTENSIONS)
        if not files:
            raise InvalidInputError(f"class folder {str(c)!r} holds no images ({', '.join(EXTENSIONS)})")
        out[c.name] = files
    return out


def _read(files: list[Path], image_size) -> list[np.ndarray]:
    from PIL import Image

    images = []
    for f in files:
        try:
            with Image.open(f) as im:
                im = im.convert("RGB")
                if image_size is not None:
                    im = im.resize((image_size[1], image_size[0]), Image.BILINEAR)
                images.append(np.asarray(im, dtype=np.uint8).transpose(2, 0, 1))
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise InvalidInputError(f"cannot read image {str(f)!r}: {exc}") from None
    return images


def _stack(images: list[np.ndarray], root: Path) -> np.ndarray:
    sizes = sorted({im.shape[1:] for im in images})
    if len(sizes) > 1:
        raise InvalidInputError(f"images in {str(root)!r} have {len(sizes)} sizes ({', '.join(map(str, sizes[:4]))}"
                                f"{', ...' if len(sizes) > 4 else ''}): pass image_size=(h, w) to resize them")
    return np.stack(images)


def read_image_folder(name: str, data_root=None, image_size=None) -> ImageDataset:
    """The :class:`~nas_tasks.training.data.ImageDataset` of an image folder (see the module
    docstring); ``image_size`` is ``(h, w)``, one int, or None."""
    root = folder_path(name, data_root)
    if image_size is not None:
        image_size = (int(image_size), int(image_size)) if np.isscalar(image_size) else tuple(map(int, image_size))
    official = (root / "train").is_dir() and (root / "test").is_dir()
    parts = {p: _class_files(root / p) for p in ("train", "test")} if official else {"train": _class_files(root)}
    classes = list(parts["train"])
    if official and list(parts["test"]) != classes:
        raise InvalidInputError(f"{root}/train and {root}/test must have the same class folders, got {classes} and "
                                f"{list(parts['test'])}")
    files = {part: [f for c in classes for f in by_class[c]] for part, by_class in parts.items()}
    every = _stack(_read(files["train"] + files.get("test", []), image_size), root)  # one size for all
    labels = {part: np.concatenate([np.full(len(by_class[c]), k, dtype=np.int64) for k, c in enumerate(classes)])
              for part, by_class in parts.items()}
    n_train = len(files["train"])
    arrays = {"train": (every[:n_train], labels["train"])}
    if official:
        arrays["test"] = (every[n_train:], labels["test"])
    grey = bool((every[:, 0] == every[:, 1]).all() and (every[:, 1] == every[:, 2]).all())
    pick = (lambda x: x[:, :1]) if grey else (lambda x: x)
    (xtr, ytr), test = arrays["train"], arrays.get("test")
    return ImageDataset(PREFIX + root.name, pick(xtr), ytr, None if test is None else pick(test[0]),
                        None if test is None else test[1], tuple(classes))
