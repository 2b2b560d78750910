"""Batched tensor augmentation."""
import torch

from nas_tasks.training.augment import Augmentation, cutout, random_crop, random_flip


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_crop_is_a_shifted_window_of_the_padded_image():
    x = torch.arange(2 * 1 * 4 * 4, dtype=torch.float32).view(2, 1, 4, 4) + 1
    y = random_crop(x, 1, gen())
    assert y.shape == x.shape
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
    for i in range(2):
        windows = [padded[i, :, r:r + 4, c:c + 4] for r in range(3) for c in range(3)]
        assert any(torch.equal(y[i], w) for w in windows)


def test_flip_and_cutout():
    x = torch.rand(64, 3, 8, 8)
    f = random_flip(x, gen(1))
    flipped = [torch.equal(f[i], x[i].flip(2)) for i in range(64)]
    assert 10 < sum(flipped) < 54 and all(flipped[i] or torch.equal(f[i], x[i]) for i in range(64))
    c = cutout(x, 2, gen(2))
    zeros = (c == 0).flatten(1).sum(1)
    assert (zeros <= 3 * 4).all() and (zeros >= 3).all()  # 1x1 to 2x2 squares (clipped at borders), 3 channels


def test_same_generator_same_augmentation_and_defaults():
    x = torch.rand(8, 1, 8, 8)
    assert torch.equal(random_crop(x, 1, gen(5)), random_crop(x, 1, gen(5)))
    aug = Augmentation.default_for("digits").resolved(8)
    assert not aug.flip and aug.padding == 1 and aug.cutout_size == 2
    assert Augmentation.default_for("cifar10").resolved(32).padding == 4
