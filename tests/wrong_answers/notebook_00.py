"""Notebook 00 (MNIST at a glance): wrong answers that each self-check must reject."""

WRONG = {
    1: {
        "counted the training labels, not the test labels": """
train_counts = np.bincount(y_train, minlength=10)
rarest_test_digit = int(train_counts.argmin())
rarest_test_count = int(train_counts.min())
""",
        "the most common digit instead of the rarest": """
test_counts = np.bincount(y_test, minlength=10)
rarest_test_digit = int(test_counts.argmax())
rarest_test_count = int(test_counts.max())
""",
        "the right digit with its count in the training set": """
rarest_test_digit = int(np.bincount(y_test, minlength=10).argmin())
rarest_test_count = int((y_train == rarest_test_digit).sum())
""",
    },
    2: {
        "the image with the least ink": """
most_ink_index = int(x_train.sum(axis=(1, 2), dtype=np.int64).argmin())
""",
        "the brightest pixel instead of the total ink": """
most_ink_index = int(x_train.max(axis=(1, 2)).argmax())
""",
        "summed over one axis only, then argmax of the flattened rows": """
most_ink_index = int(x_train.sum(axis=1).argmax())
""",
    },
    3: {
        "the centre's share instead of the frame's": """
border_ink_fraction = float(x_train[:, 4:24, 4:24].sum(dtype=np.int64) / x_train.sum(dtype=np.int64))
""",
        "a frame of 5 pixels (rows and columns 0-4 and 23-27)": """
mask = np.ones((28, 28), dtype=bool)
mask[5:23, 5:23] = False
border_ink_fraction = float(x_train[:, mask].sum(dtype=np.int64) / x_train.sum(dtype=np.int64))
""",
        "only the top and bottom rows of the frame": """
frame = x_train[:, :4].sum(dtype=np.int64) + x_train[:, 24:].sum(dtype=np.int64)
border_ink_fraction = float(frame / x_train.sum(dtype=np.int64))
""",
    },
}
