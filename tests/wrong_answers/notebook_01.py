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


WRONG = {
    1: {
        "forgot the biases": """
def dense_params(h):
    return 784 * h + 10 * h

h_for_100k = max(h for h in range(1, 1000) if dense_params(h) <= 100_000)
""",
        "forgot the output layer": """
def dense_params(h):
    return 784 * h + h

h_for_100k = max(h for h in range(1, 1000) if dense_params(h) <= 100_000)
""",
        "the first width over the budget (off by one)": """
def dense_params(h):
    return 784 * h + h + 10 * h + 10

h_for_100k = min(h for h in range(1, 1000) if dense_params(h) > 100_000)
""",
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
        "trained on every training image, the validation split left out": _momentum(
            fit="momentum_model.fit(x_train_flat, y_train_one_hot, batch_size=batch_size, epochs=epochs, verbose=0)"),
        "a learning rate ten times too high": _momentum(rate="0.1"),
        "the validation accuracy reported as the test accuracy": _momentum(
            fit="""
momentum_history = momentum_model.fit(x_train_flat, y_train_one_hot, batch_size=batch_size, epochs=epochs,
                                      validation_split=0.2, verbose=0)""",
            accuracy='momentum_history.history["val_accuracy"][-1]'),
        "never trained: the step counter set by hand and a number copied from the committed outputs": _momentum(
            fit="momentum_model.optimizer.iterations.assign(-(-int(len(x_train_flat) * 0.8) // batch_size) * epochs)",
            accuracy="0.9757"),    },
}
