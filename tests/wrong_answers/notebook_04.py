"""Notebook 04 (the five knobs): wrong answers that each self-check must reject."""


def _build(block="", head="", kernel="kernel_size", rate="0.2", pool="        model.add(layers.MaxPooling2D(2))\n"):
    """Return a build_model as the solution writes it, with one part changed."""
    return f"""
def build_model(filters=(75, 100), kernel_size=5, dense_units=(500,)):
    model = keras.Sequential([keras.Input(shape=(28, 28, 1))])
    for maps in filters:
        model.add(layers.Conv2D(maps, {kernel}, activation="relu"))
{pool}        model.add(layers.Dropout({rate}))
{block}    model.add(layers.Flatten())
{head or '''    for units in dense_units:
        model.add(layers.Dense(units, activation="relu"))
        model.add(layers.Dropout(0.5))
'''}    model.add(layers.Dense(10, activation="softmax", dtype="float32"))
    return model
"""


def _fit(name, compile_, data="x_small, y_small", batch="200", times=1, rest="validation_split=0.2", seed=0):
    """Return an answer that builds, compiles and fits ``name`` as the solutions of exercises 2, 5 and 6 do."""
    fit = f"{name}.fit({data}, batch_size={batch}, epochs=epochs, {rest}, verbose=0)"
    history = {"model": "history", "sgd_model": "sgd_history", "big_model": "big_history"}[name]
    lines = [f"keras.utils.set_random_seed({seed})", f"{name} = build_model()",
             f'{name}.compile(optimizer={compile_}, loss="categorical_crossentropy", metrics=["accuracy"])',
             "start = time.perf_counter()"] + [f"{history} = {fit}"] * times
    if name == "model" and times:
        lines.append('record("plain SGD", model, history, time.perf_counter() - start)')
    return "\n".join(lines) + "\n"


_UNRECORD = "del mine[-1]"  # the wrong answers to exercise 2 record their run: take it out again
_SGD = "keras.optimizers.SGD(learning_rate=0.01)"
_MOMENTUM = "keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)"
_BIG = "keras.optimizers.Adam(learning_rate=0.004)"
_MY_CNN = """
my_cnn = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(48, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Conv2D(96, 3, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Flatten(),{dense}
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax", dtype="float32"),
])
my_cnn.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
my_batch_size = 128
"""
_MY_FIT = "my_history = my_cnn.fit({data}, batch_size={batch}, epochs=max_epochs, {rest}, verbose=0)\n"
_SMALLEST = """
networks = runs[runs.sweep.isin(["architecture", "layer_sizes"])].groupby(["architecture", "kernel_size"])
networks = networks.agg(params=("params", "first"), val=("final_val_accuracy", "mean"),
                        test=("test_accuracy", "mean"))
reaching = networks[networks.{chosen_by} >= target]
smallest = reaching.loc[reaching.params.idxmin()]
smallest_params = int(smallest.params)
smallest_accuracy = float(smallest.{reported}){scale}
"""


def _three(kernels="5, 5, 5", paddings='"same", "same", "same"', maps="75, 100, 125", rates="0.2, 0.2, 0.2"):
    """Return a build_three_blocks that writes each block's kernel, padding, maps and dropout rate out."""
    return f"""
def build_three_blocks():
    model = keras.Sequential([keras.Input(shape=(28, 28, 1))])
    for maps, kernel, padding, rate in zip(({maps}), ({kernels}), ({paddings}), ({rates})):
        model.add(layers.Conv2D(maps, kernel, padding=padding, activation="relu"))
        model.add(layers.MaxPooling2D(2))
        if rate:
            model.add(layers.Dropout(rate))
    model.add(layers.Flatten())
    model.add(layers.Dense(500, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(10, activation="softmax", dtype="float32"))
    return model
"""


# A mistake in the network or its compile fails its check before the check reads the training, so those answers skip
# the fit (times=0): the same verdict, and the test suite stays within its time.
WRONG = {
    1: {
        "kernel_size ignored: every kernel 5x5": _build(kernel="5"),
        "one Dense(500) whatever dense_units says": _build(head="""    model.add(layers.Dense(500, activation="relu"))
    model.add(layers.Dropout(0.5))
"""),
        "no dropout after the hidden Dense layers": _build(head="""    for units in dense_units:
        model.add(layers.Dense(units, activation="relu"))
"""),
        "one pooling after all the convolutions, not one per block": _build(
            pool="", block="    model.add(layers.MaxPooling2D(2))\n"),
        "dropout 0.5 in the blocks too": _build(rate="0.5"),
    },
    2: {
        "SGD with momentum 0.9, not plain SGD": _fit("model", "keras.optimizers.SGD(momentum=0.9)", times=0),
        "fit called twice": (_fit("model", _SGD, times=2), _UNRECORD),
        "trained on all the training images, not x_small": (_fit("model", _SGD, data="x_train, y_train"), _UNRECORD),
        "the run never recorded in mine": _fit("model", _SGD).replace(
            'record("plain SGD", model, history, time.perf_counter() - start)', "seconds = time.perf_counter() - start"),
    },
    3: {
        "log of the probability, its sign lost": """
expected_loss = np.log(1 / 10)
keras.utils.set_random_seed(0)
untrained = build_model()
untrained.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
initial_loss, initial_accuracy = untrained.evaluate(x_test, y_test, batch_size=1000, verbose=0)
""",
        "the loss of a network that was trained": """
expected_loss = -np.log(1 / 10)
initial_loss, initial_accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
""",
        "the accuracy kept, not the loss": """
expected_loss = -np.log(1 / 10)
keras.utils.set_random_seed(0)
untrained = build_model()
untrained.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
initial_loss = untrained.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1]
""",
        "a number copied from the committed outputs": """
expected_loss = -np.log(1 / 10)
initial_loss = 2.3026
""",
    },
    4: {
        "a wide Dense layer after Flatten: too many parameters": _MY_CNN.format(
            dense='\n    layers.Dense(128, activation="relu"),'),
        "fit called twice": _MY_CNN.format(dense="") + 2 * _MY_FIT.format(
            data="x_train, y_train", batch="my_batch_size", rest="validation_split=0.2"),
        "trained on every training image, validated on the test set": _MY_CNN.format(dense="") + _MY_FIT.format(
            data="x_train, y_train", batch="my_batch_size", rest="validation_data=(x_test, y_test)"),
    },
    5: {
        'optimizer="sgd": no momentum': _fit("sgd_model", '"sgd"', times=0),
        "trained on all the training images, not x_small": _fit("sgd_model", _MOMENTUM, data="x_train, y_train"),
        "fit called twice": _fit("sgd_model", _MOMENTUM, times=2),
    },
    6: {
        "Adam's default learning rate kept": _fit("big_model", '"adam"', batch="2048", times=0),
        "batch 200, not 2,048": _fit("big_model", _BIG),
        "fit called twice": _fit("big_model", _BIG, batch="2048", times=2),
    },
    7: {
        "chosen by test accuracy": _SMALLEST.format(chosen_by="test", reported="test", scale=""),
        "the validation accuracy reported, not the test accuracy": _SMALLEST.format(
            chosen_by="val", reported="val", scale=""),
        "a percentage, not a share": _SMALLEST.format(chosen_by="val", reported="test", scale=" * 100"),
        "the seeds not averaged: the smallest network with one run at 99%": """
sweeps = runs[runs.sweep.isin(["architecture", "layer_sizes"])]
best = sweeps[sweeps.final_val_accuracy >= target].sort_values("params").iloc[0]
smallest_params = int(best.params)
smallest_accuracy = float(best.test_accuracy)
""",
    },
    8: {
        'padding "valid" in the first two blocks': _three(paddings='"valid", "valid", "same"'),
        "a 3x3 kernel in the third block": _three(kernels="5, 5, 3"),
        "no dropout in the third block": _three(rates="0.2, 0.2, 0"),
        "a third block of 100 maps": _three(maps="75, 100, 100"),
    },
}
