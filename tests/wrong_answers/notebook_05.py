"""Notebook 05 (beyond 99.41%): wrong answers that each self-check must reject."""

def _textbook(conv="layers.Conv2D(maps, 5, use_bias=False)", relu='layers.Activation("relu")', maps="(75, 100)",
              order=("conv", "norm", "relu", "pool"), only_first=False):
    """Return a build_textbook_bn as the solution writes it, with one part changed."""
    parts = {"conv": conv, "norm": "layers.BatchNormalization(momentum=0.9)", "relu": relu,
             "pool": "layers.MaxPooling2D(2)"}
    adds = "".join(f"        model.add({parts[part]})\n" for part in order if parts[part])
    if only_first:
        adds = adds.replace("        model.add(layers.BatchNormalization", "        if maps == 75:\n"
                            "            model.add(layers.BatchNormalization")
    return f"""
def build_textbook_bn():
    model = keras.Sequential([keras.Input(shape=(28, 28, 1))])
    for maps in {maps}:
{adds}        model.add(layers.Dropout(0.2))
    model.add(layers.Flatten())
    model.add(layers.Dense(500, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(10, activation="softmax", dtype="float32"))
    return model
"""


def _stepped(monitor="val_loss", restore=", restore_best_weights=True", callbacks="callbacks=[stop_on_loss], ",
             rate="step_schedule", validation="validation_data=val_data, ", times=1):
    """Return an answer to exercise 4 as the solution writes it, with one part changed."""
    fit = (f"stepped_history = stepped_model.fit(batches(x_small, y_small), epochs=epochs, {validation}{callbacks}"
           "verbose=0)\n")
    return f"""
keras.utils.set_random_seed(0)
stop_on_loss = keras.callbacks.EarlyStopping(monitor="{monitor}", patience=2{restore})
stepped_model = build_seed_cnn()
stepped_model.compile(optimizer=keras.optimizers.Adam(learning_rate={rate}),
                      loss="categorical_crossentropy", metrics=["accuracy"])
""" + fit * times


# A mistake in the callback fails its check before the check reads the training, so that answer skips the fit
# (times=0): the same verdict, and the test suite stays within its time.
WRONG = {
    1: {
        "the second boundary too late (119 for 141 steps, not 94)": """
step_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
    boundaries=[total_steps // 3, int(total_steps * 0.85)], values=[3e-3, 1e-3, 3e-4])
""",
        "boundaries in epochs, not steps": """
step_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
    boundaries=[epochs // 3, 2 * epochs // 3], values=[3e-3, 1e-3, 3e-4])
""",
        "the rates in the wrong order": """
step_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
    boundaries=[total_steps // 3, 2 * total_steps // 3], values=[3e-4, 1e-3, 3e-3])
""",
        "a boundary one step early": """
step_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
    boundaries=[total_steps // 3 - 1, 2 * total_steps // 3], values=[3e-3, 1e-3, 3e-4])
""",
    },
    2: {
        "label smoothing 0.1, the lesson's value": """
smooth_loss = keras.losses.CategoricalCrossentropy(label_smoothing=0.1)
target_02 = target * (1 - 0.2) + 0.2 / 10
floor_02 = float(-np.sum(target_02 * np.log(target_02)))
""",
        "the floor of the loss without smoothing (0)": """
smooth_loss = keras.losses.CategoricalCrossentropy(label_smoothing=0.2)
floor_02 = 0.0
""",
        "0.2 spread over the nine wrong digits only": """
smooth_loss = keras.losses.CategoricalCrossentropy(label_smoothing=0.2)
target_02 = target * (1 - 0.2) + (1 - target) * 0.2 / 9
floor_02 = float(-np.sum(target_02 * np.log(target_02)))
""",
        "the cross-entropy against the one-hot target, not the smoothed one": """
smooth_loss = keras.losses.CategoricalCrossentropy(label_smoothing=0.2)
target_02 = target * (1 - 0.2) + 0.2 / 10
floor_02 = float(-np.sum(target * np.log(target_02)))
""",
    },
    3: {
        "the convolutions keep their bias": _textbook(conv="layers.Conv2D(maps, 5)"),
        "the ReLU before the normalisation": _textbook(
            conv='layers.Conv2D(maps, 5, use_bias=False, activation="relu")', relu=""),
        "normalised after the pooling": _textbook(order=("conv", "relu", "pool", "norm")),
        "normalisation in the first block only": _textbook(maps="(75, 100)", only_first=True),
    },
    4: {
        "watches the validation accuracy": _stepped(monitor="val_accuracy", times=0),
        "the callback written but never passed to fit": _stepped(callbacks=""),
        "a constant rate, not the schedule": _stepped(rate="3e-3"),
        "no validation data: the callback has no val_loss to watch": _stepped(validation=""),
    },
    5: {
        "each member alone, not the first k together": """
predictions = [m.predict(x_val, batch_size=1000, verbose=0) for m in members]
ensemble_sizes = [float(np.mean(p.argmax(axis=1) == val_labels)) for p in predictions]
""",
        "on the test split, not validation": """
predictions = [m.predict(x_test, batch_size=1000, verbose=0) for m in members]
ensemble_sizes = [float(np.mean(np.mean(predictions[:k], axis=0).argmax(axis=1) == y_test.argmax(axis=1)))
                  for k in range(1, len(members) + 1)]
""",
        "percentages, not shares": """
predictions = [m.predict(x_val, batch_size=1000, verbose=0) for m in members]
ensemble_sizes = [100 * float(np.mean(np.mean(predictions[:k], axis=0).argmax(axis=1) == val_labels))
                  for k in range(1, len(members) + 1)]
""",
        "the whole ensemble's accuracy for every size": """
ensemble_sizes = [float(ensemble_accuracy)] * len(members)
""",
    },
    6: {
        "a percentage, not a share": """
member_votes = member_probabilities.argmax(axis=2)
vote_counts = np.stack([(member_votes == digit).sum(axis=0) for digit in range(10)], axis=1)
vote_accuracy = 100 * float(np.mean(vote_counts.argmax(axis=1) == val_labels))
""",
        "the first member's votes only": """
vote_accuracy = float(np.mean(member_probabilities[0].argmax(axis=1) == val_labels))
""",
        "votes counted over the wrong axis (per member, not per image)": """
member_votes = member_probabilities.argmax(axis=2)
vote_counts = np.stack([(member_votes == digit).sum(axis=1) for digit in range(10)], axis=1)
vote_accuracy = float(np.mean(vote_counts.argmax(axis=1)[0] == val_labels))
""",
        "on the test split": """
test_votes = np.stack([m.predict(x_test, batch_size=1000, verbose=0).argmax(axis=1) for m in members])
vote_counts = np.stack([(test_votes == digit).sum(axis=0) for digit in range(10)], axis=1)
vote_accuracy = float(np.mean(vote_counts.argmax(axis=1) == y_test.argmax(axis=1)))
""",
    },
}
