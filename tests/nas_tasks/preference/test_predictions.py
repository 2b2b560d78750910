import base64
import zlib

import numpy as np
import pytest

from nas_tasks.preference.predictions import TrainedPredictions, png_data_url, predictions_for_run


def decode_png(url: str) -> tuple[int, int, int, bytes]:
    data = base64.b64decode(url.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    colour = data[25]
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4:idat], "big")
    return w, h, colour, zlib.decompress(data[idat + 4:idat + 4 + length])


def test_png_data_urls_hold_the_pixels():
    grey = np.array([[0.0, 1.0], [0.5, 0.25]])
    w, h, colour, raw = decode_png(png_data_url(grey))
    assert (w, h, colour) == (2, 2, 0) and raw == bytes([0, 0, 255, 0, 128, 64])
    w, h, colour, raw = decode_png(png_data_url(np.ones((1, 3, 3))))
    assert (w, h, colour) == (3, 1, 2) and raw == bytes([0] + [255] * 9)


def test_only_trained_cell_runs_get_predictions(tmp_path):
    assert predictions_for_run(tmp_path) is None  # no journal at all
    with pytest.raises(ValueError, match="need a nas_tasks.NB201TrainTask run"):
        TrainedPredictions({"class": "nas_tasks.NB201TableTask"})


def test_sample_predictions_of_a_trained_cell(tmp_path):
    from lamoo import Study
    from nas_tasks import NB201TrainTask
    from samplers import RandomSampler

    task = NB201TrainTask("digits", objectives=["accuracy"], epochs=1, channels=4, cells_per_stage=1, batch_size=128,
                          max_train=200, max_eval=80, device="cpu", cache_dir=tmp_path / "cache", num_threads=1)
    run = tmp_path / "run"
    Study(task, RandomSampler(), seed=0, n_init=2, journal=run / "journal.jsonl").optimize(2)
    predictions = predictions_for_run(run)
    X = Study.load(run / "journal.jsonl", task, RandomSampler()).archive.X
    shown = predictions(X[0])
    assert len(shown) == 8 and [p["label"] for p in shown] == list(task.splits.dataset.classes[:8])  # one per class
    assert all(0 <= p["confidence"] <= 1 and p["image"].startswith("data:image/png;base64,") for p in shown)
    assert decode_png(shown[0]["image"])[:3] == (8, 8, 0)
    other = np.array([4, 4, 4, 4, 4, 4]) if not (X == 4).all(1).any() else np.array([3, 3, 3, 3, 3, 3])
    with pytest.raises(LookupError, match="no cached weights for this cell"):
        predictions(other)
