"""Notebook 02 (the 6-layer CNN): wrong answers that each self-check must reject."""

def _features(kernel="3", padding="", side_layer="4", flatten="features_3x3.layers[-1].output.shape[-1]"):
    """Return an answer to exercise 1 as the solution writes it, with one part changed."""
    return f"""
features_3x3 = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(75, {kernel}, activation="relu"{padding}),
    layers.MaxPooling2D(2),
    layers.Dropout(0.2),
    layers.Conv2D(100, {kernel}, activation="relu"{padding}),
    layers.MaxPooling2D(2),
    layers.Dropout(0.2),
    layers.Flatten(),
])
side_with_3x3 = features_3x3.layers[{side_layer}].output.shape[1]
flatten_size_with_3x3 = {flatten}
"""


_DENSE = """    layers.Dense(500, activation="relu"),
    layers.Dropout(0.5),
"""


def _cnn_48(first="48", second="100", dense=_DENSE, total="cnn_48.count_params()",
            formula="(kernel * kernel * in_maps + 1) * out_maps"):
    """Return an answer to exercise 2 as the solution writes it, with one part changed."""
    return f"""
cnn_48 = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D({first}, 5, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Dropout(0.2),
    layers.Conv2D({second}, 5, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Dropout(0.2),
    layers.Flatten(),
{dense}    layers.Dense(10, activation="softmax"),
])
total_params_48 = {total}


def conv_params(kernel, in_maps, out_maps):
    return {formula}
"""


WRONG = {
    1: {
        "the 5x5 kernels kept": _features(kernel="5"),
        'padding "same" (only pooling shrinks)': _features(padding=', padding="same"'),
        "the side read after the first pooling": _features(side_layer="1"),
        "the flatten size as side x side, the 100 maps forgotten": _features(
            flatten="side_with_3x3 * side_with_3x3"),
    },
    2: {
        "48 filters in the second convolution, not the first": _cnn_48(first="75", second="48"),
        "the biases forgotten in conv_params": _cnn_48(formula="kernel * kernel * in_maps * out_maps"),
        "the published network's count reported": _cnn_48(total="995_060"),
        "one bias per input map": _cnn_48(formula="(kernel * kernel + 1) * in_maps * out_maps"),
        "the hidden Dense layer left out": _cnn_48(dense=""),
    },
    3: {
        "every mistake, whatever its confidence": """
sure_but_wrong = np.flatnonzero(y_pred != y_test)
""",
        "the first 20 mistakes, not the most confident": """
sure_but_wrong = np.flatnonzero(y_pred != y_test)[:20]
""",
        "the least confident first (sorted the wrong way)": """
wrong = np.flatnonzero(y_pred != y_test)
sure_but_wrong = wrong[np.argsort(probabilities[wrong, y_pred[wrong]], kind="stable")][:20]
""",
        "ranked by the probability of the true digit, not of the answer given": """
wrong = np.flatnonzero(y_pred != y_test)
sure_but_wrong = wrong[np.argsort(-probabilities[wrong, y_test[wrong]], kind="stable")][:20]
""",
        "the dense network's mistakes": """
wrong = np.flatnonzero(dense_pred != y_test)
sure_but_wrong = wrong[np.argsort(-dense_probabilities[wrong, dense_pred[wrong]], kind="stable")][:20]
""",
        "the most confident mistake repeated 20 times": """
wrong = np.flatnonzero(y_pred != y_test)
sure_but_wrong = np.repeat(wrong[np.argmax(probabilities[wrong, y_pred[wrong]])], 20)
""",
    },
}


def _seed_cnn(dropout=True, dense="relu", kernel=5, padding="valid", optimizer='"adam"',
              fit="my_cnn.fit(x_train_image, y_train_one_hot, batch_size=batch_size, epochs=1, validation_split=0.2, "
                  "verbose=0)"):
    """Return an answer to exercise 4 with one thing changed, as a student writes it."""
    drop = lambda rate: f"x = layers.Dropout({rate})(x)\n" if dropout else ""
    return (f"""
inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(75, kernel_size=({kernel}, {kernel}), padding="{padding}", activation="relu")(inputs)
x = layers.MaxPooling2D(pool_size=(2, 2))(x)
{drop(0.2)}x = layers.Conv2D(100, kernel_size=({kernel}, {kernel}), padding="{padding}", activation="relu")(x)
x = layers.MaxPooling2D(pool_size=(2, 2))(x)
{drop(0.2)}x = layers.Flatten()(x)
x = layers.Dense(500{', activation="relu"' if dense else ""})(x)
{drop(0.5)}outputs = layers.Dense(10, activation="softmax")(x)
my_cnn = keras.Model(inputs, outputs)
my_cnn.compile(optimizer={optimizer}, loss="categorical_crossentropy", metrics=["accuracy"])
{fit}
""")


# The mistakes in the network or its compile fail their check before it looks at the training, so those answers skip
# the fit: the same verdict, and the test suite stays within its time.
WRONG[4] = {
    "the dropout layers left out": _seed_cnn(dropout=False, fit=""),
    "3x3 kernels instead of 5x5": _seed_cnn(kernel=3, fit=""),
    "padding 'same' (the maps keep their size)": _seed_cnn(padding="same", fit=""),
    "the Dense(500) layer without its ReLU": _seed_cnn(dense=None, fit=""),
    "SGD instead of the recipe's Adam": _seed_cnn(optimizer='"sgd"', fit=""),
    "trained on every training image, the validation split left out": _seed_cnn(
        fit="my_cnn.fit(x_train_image, y_train_one_hot, batch_size=batch_size, epochs=1, verbose=0)"),
    "fit called twice": _seed_cnn(fit="for _ in range(2):\n    my_cnn.fit(x_train_image, y_train_one_hot, "
                                      "batch_size=batch_size, epochs=1, validation_split=0.2, verbose=0)"),
    "never trained: the step counter set by hand": _seed_cnn(
        fit="my_cnn.optimizer.build(my_cnn.trainable_variables)\n"
            "my_cnn.optimizer.iterations.assign(-(-int(len(x_train_image) * 0.8) // batch_size))"),
    "the lesson's trained `model` handed in": "my_cnn = model",
}
