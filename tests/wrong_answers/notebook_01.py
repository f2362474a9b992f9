"""Notebook 01 (the dense baseline): wrong answers that each self-check must reject."""

def _momentum(rate="0.01", fit=None, accuracy=None):
    """Return an answer to exercise 3 as the solution writes it, with the learning rate, fit or accuracy changed."""
    fit = fit or ("momentum_model.fit(x_train_flat, y_train_one_hot, batch_size=batch_size, epochs=epochs, "
                  "validation_split=0.2, verbose=0)")
    accuracy = accuracy or "momentum_model.evaluate(x_test_flat, y_test_one_hot, verbose=0)[1]"
    return f"""
momentum_model = lab.build_dense_baseline()
momentum_model.compile(optimizer=keras.optimizers.SGD(learning_rate={rate}, momentum=0.9),
                       loss="categorical_crossentropy", metrics=["accuracy"])
{fit.strip()}
momentum_accuracy = {accuracy}
"""


def _dense(params="784 * h + h + h * 10 + 10", units="h", output="softmax",
           search="max(h for h in range(1, 1000) if dense_params(h) <= 100_000)"):
    """Return an answer to exercise 1 as the solution writes it, with one part changed."""
    return f"""
def build_dense(h):
    return keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense({units}, activation="relu", kernel_initializer="normal"),
        layers.Dense(10, activation="{output}", kernel_initializer="normal"),
    ])


def dense_params(h):
    return {params}


h_for_100k = {search}
"""


def _small(monitor="val_loss", callbacks="callbacks=[stop_early], ", width="h_for_100k", times=1,
           optimizer="keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)",
           accuracy="small_model.evaluate(x_test_flat, y_test_one_hot, verbose=0)[1]"):
    """Return an answer to exercise 4 as the solution writes it, with one part changed."""
    fit = ("small_history = small_model.fit(x_train_flat, y_train_one_hot, batch_size=batch_size, epochs=max_epochs, "
           f"validation_split=0.2, {callbacks}verbose=0)\n")
    return f"""
stop_early = keras.callbacks.EarlyStopping(monitor="{monitor}", patience=3, restore_best_weights=True)
small_model = build_dense({width})
small_model.compile(optimizer={optimizer}, loss="categorical_crossentropy", metrics=["accuracy"])
""" + fit * times + f"small_accuracy = {accuracy}\n"


# A mistake in the network or the callback fails its check before the check reads the training, so those answers skip
# the fit (times=0): the same verdict, and the test suite stays within its time.
WRONG = {
    1: {
        "forgot the biases in dense_params": _dense(params="784 * h + h * 10"),
        "forgot the output layer in dense_params": _dense(params="784 * h + h"),
        "the first width over the budget (off by one)": _dense(
            search="min(h for h in range(1, 1000) if dense_params(h) > 100_000)"),
        "the hidden width fixed at 800 in build_dense": _dense(units="800"),
        "a sigmoid output instead of softmax": _dense(output="sigmoid"),
    },
    2: {
        "divided by the column sums (the predictions), not the rows": """
matrix = lab.confusion_matrix(y_test, y_pred)
per_digit_accuracy = matrix.diagonal() / matrix.sum(axis=0)
hardest_digit = int(per_digit_accuracy.argmin())
""",
        "the easiest digit as the hardest": """
matrix = lab.confusion_matrix(y_test, y_pred)
per_digit_accuracy = matrix.diagonal() / matrix.sum(axis=1)
hardest_digit = int(per_digit_accuracy.argmax())
""",
        "the overall accuracy for every digit": """
per_digit_accuracy = np.full(10, (y_pred == y_test).mean())
hardest_digit = 0
""",
    },
    3: {
        "re-compiled `model` instead of building a new network": ("""
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
              loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train_flat, y_train_one_hot, batch_size=batch_size, epochs=epochs, validation_split=0.2, verbose=0)
momentum_model = model
momentum_accuracy = model.evaluate(x_test_flat, y_test_one_hot, verbose=0)[1]
""", 'model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])'),
        "fit called twice": _momentum(fit="""
for _ in range(2):
    momentum_model.fit(x_train_flat, y_train_one_hot, batch_size=batch_size, epochs=epochs, validation_split=0.2,
                       verbose=0)"""),
        "the validation accuracy reported as the test accuracy": _momentum(
            fit="""
momentum_history = momentum_model.fit(x_train_flat, y_train_one_hot, batch_size=batch_size, epochs=epochs,
                                      validation_split=0.2, verbose=0)""",
            accuracy='momentum_history.history["val_accuracy"][-1]'),
        "never trained: the step counter set by hand and a number copied from the committed outputs": _momentum(
            fit="momentum_model.optimizer.iterations.assign(-(-int(len(x_train_flat) * 0.8) // batch_size) * epochs)",
            accuracy="0.9757"),    },
    4: {
        "watches the validation accuracy": _small(monitor="val_accuracy", times=0),
        "the callback never passed to fit": _small(callbacks=""),
        "the baseline's 800 neurons, not h_for_100k": _small(width="800", times=0),
        "the validation accuracy reported as the test accuracy": _small(
            accuracy='small_history.history["val_accuracy"][-1]'),
    },
}
