"""Notebook 06 (your own digit): wrong answers that each self-check must reject."""

_READ_ROTATED = """
rotated = np.stack([
    lab.preprocess_digit(np.asarray(
        Image.fromarray(seven).rotate(angle, resample=Image.Resampling.BILINEAR, expand=True)))
    for angle in angles])
answers = model.predict(rotated[..., None], verbose=0).argmax(axis=1)
"""  # exercise 3: the network's answer at each angle, as the solution reads it

WRONG = {
    1: {
        "negated the pixels: uint8 wraps to 256 - v": """
grey = np.asarray(Image.open("samples/digit_9_white_on_black.png").convert("L"))
inverted = -grey
""",
        "inverted as floats from 0 to 1": """
grey = np.asarray(Image.open("samples/digit_9_white_on_black.png").convert("L"))
inverted = 1 - grey / 255
""",
        "the image left as it was": """
inverted = np.asarray(Image.open("samples/digit_9_white_on_black.png").convert("L"))
""",
        "255 - v, stored as 64-bit integers": """
grey = np.asarray(Image.open("samples/digit_9_white_on_black.png").convert("L"))
inverted = 255 - grey.astype(np.int64)
""",
    },
    2: {
        "the plain mean position of the inked pixels, unweighted": """
rows, cols = np.indices(seven.shape)
mass_centre = (rows[seven > 0].mean(), cols[seven > 0].mean())
ink_rows, ink_cols = np.flatnonzero((seven > 0).any(axis=1)), np.flatnonzero((seven > 0).any(axis=0))
box_centre = ((ink_rows[0] + ink_rows[-1]) / 2, (ink_cols[0] + ink_cols[-1]) / 2)
""",
        "the box's end taken one past its last inked row and column": """
rows, cols = np.indices(seven.shape)
mass_centre = ((rows * seven).sum() / seven.sum(), (cols * seven).sum() / seven.sum())
ink_rows, ink_cols = np.flatnonzero((seven > 0).any(axis=1)), np.flatnonzero((seven > 0).any(axis=0))
box_centre = ((ink_rows[0] + ink_rows[-1] + 1) / 2, (ink_cols[0] + ink_cols[-1] + 1) / 2)
""",
        "the centre of the 28x28 image instead of the ink's box": """
rows, cols = np.indices(seven.shape)
mass_centre = ((rows * seven).sum() / seven.sum(), (cols * seven).sum() / seven.sum())
box_centre = (13.5, 13.5)
""",
    },
    3: {
        "the first angle still read as a 7 (the condition turned round)": _READ_ROTATED + """
right = [angle for angle, answer in zip(angles, answers) if answer == 7]
first_wrong_angle = right[0] if right else None
""",
        "the last wrong angle instead of the first": _READ_ROTATED + """
wrong = [angle for angle, answer in zip(angles, answers) if answer != 7]
first_wrong_angle = wrong[-1] if wrong else None
""",
        "None, without asking the network": """
first_wrong_angle = None
""",
    },
}
