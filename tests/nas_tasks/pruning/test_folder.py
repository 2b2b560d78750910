"""Image folders as datasets: classes from sub-folders, an official test split, one size or resized."""
import numpy as np
import pytest
from PIL import Image

from lamoo.exceptions import InvalidInputError
from nas_tasks.training.data import DatasetNotFoundError
from nas_tasks.training.folder import read_image_folder


def save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array.astype(np.uint8)).save(path)


def test_classes_are_sorted_subfolders_and_grey_images_stay_grey(tmp_path):
    rng = np.random.default_rng(0)
    for cls, n in (("b", 2), ("a", 3)):
        for i in range(n):
            save(tmp_path / "imgs" / cls / f"{i}.png", rng.integers(0, 256, (5, 4)))
    (tmp_path / "imgs" / "a" / "notes.txt").write_text("not an image")
    ds = read_image_folder("folder:imgs", tmp_path)
    assert ds.classes == ("a", "b") and ds.x_train.shape == (5, 1, 5, 4) and ds.y_train.tolist() == [0, 0, 0, 1, 1]
    assert ds.x_test is None and ds.x_train.dtype == np.uint8 and ds.name == "folder:imgs"
    first = np.asarray(Image.open(tmp_path / "imgs" / "a" / "0.png"))
    np.testing.assert_array_equal(ds.x_train[0, 0], first)


def test_an_official_split_rgb_and_resizing(tmp_path):
    rng = np.random.default_rng(1)
    for part in ("train", "test"):
        for cls in ("cat", "dog"):
            save(tmp_path / part / cls / "0.png", rng.integers(0, 256, (6, 6, 3)))
    save(tmp_path / "train" / "cat" / "1.png", rng.integers(0, 256, (9, 7, 3)))
    with pytest.raises(InvalidInputError, match=r"have 2 sizes .*pass image_size"):
        read_image_folder(str(tmp_path))
    ds = read_image_folder(str(tmp_path), image_size=4)
    assert ds.x_train.shape == (3, 3, 4, 4) and ds.x_test.shape == (2, 3, 4, 4) and ds.y_test.tolist() == [0, 1]
    save(tmp_path / "test" / "bird" / "0.png", rng.integers(0, 256, (6, 6, 3)))
    with pytest.raises(InvalidInputError, match="must have the same class folders"):
        read_image_folder(str(tmp_path), image_size=4)


def test_bad_folders_are_refused(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        read_image_folder("folder:missing", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInputError, match="has no class sub-folders"):
        read_image_folder(str(tmp_path / "empty"))
    (tmp_path / "empty" / "a").mkdir()
    with pytest.raises(InvalidInputError, match="holds no images"):
        read_image_folder(str(tmp_path / "empty"))
    (tmp_path / "empty" / "a" / "x.png").write_bytes(b"not a png")
    with pytest.raises(InvalidInputError, match="cannot read image"):
        read_image_folder(str(tmp_path / "empty"))
