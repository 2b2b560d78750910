"""Training NAS cells: data, augmentation, the training loop, executors and the trained-cell cache."""
