"""Notebook 03 (what the CNN sees): wrong answers that each self-check must reject."""


def _tape(score="logits[0, y_test[0]]", logits="hidden @ output.kernel + output.bias", absolute=True,
          reads="output.input"):
    """Return an answer to exercise 1 as the solution writes it, with the score, the logits, the abs or the layer
    read changed."""
    gradient = "tape.gradient(score, x).numpy()"
    return f"""
read_hidden = keras.Model(inputs=model.inputs[0], outputs={reads})
with tf.GradientTape() as tape:
    tape.watch(x)
    hidden = tf.cast(read_hidden(x, training=False), "float32")
    logits = {logits}
    score = {score}
saliency = {f"np.abs({gradient})" if absolute else gradient}
"""


def _pool2(images="x_test_image[:100]", layer="pool2", training="False", busiest="mean(axis=(0, 1, 2)).argmax()"):
    """Return an answer to exercise 2 as the solution writes it, with one part changed."""
    return f"""
read_pool2 = keras.Model(inputs=model.inputs[0], outputs=model.get_layer("{layer}").output)
pool2_maps = np.asarray(read_pool2({images}, training={training}), dtype="float32")
busiest_map = int(pool2_maps.{busiest})
"""


def _true_class(score="tf.reduce_sum(logits * tf.one_hot(y_test[worst], 10))", images="x_test_image[worst]"):
    """Return an answer to exercise 3 as the solution writes it, with the score or the images changed."""
    return f"""
x = tf.convert_to_tensor({images})
with tf.GradientTape() as tape:
    tape.watch(x)
    logits = tf.cast(read_hidden(x, training=False), "float32") @ output.kernel + output.bias
    score = {score}
true_class_saliency = np.abs(tape.gradient(score, x).numpy())
"""


def _probe(train=":half", score="half:", layers='keras.layers.Dense(10, activation="softmax")', times=1):
    """Return an answer to exercise 5 as the solution writes it, with one part changed."""
    fit = f"probe.fit(activations[{train}], y_test[{train}], batch_size=100, epochs=probe_epochs, verbose=0)\n"
    return f"""
probe = keras.Sequential([keras.Input(shape=(500,)), {layers}])
probe.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
""" + fit * times + f"probe_accuracy = probe.evaluate(activations[{score}], y_test[{score}], verbose=0)[1]\n"


WRONG = {
    1: {
        "the probability, not the logit": _tape(score="tf.nn.softmax(logits)[0, y_test[0]]"),
        "the gradient's sign kept (no absolute value)": _tape(absolute=False),
        "the sum of all ten logits": _tape(score="tf.reduce_sum(logits)"),
        "the logit of the next test digit's class": _tape(score="logits[0, y_test[1]]"),
        "read_hidden is the whole network (its probabilities), not the 500 activations": _tape(
            reads="model.layers[-1].output", logits="hidden", score="tf.math.log(logits[0, y_test[0]])"),
    },
    2: {
        "read with dropout on (training=True)": _pool2(training="True"),
        "fed the raw 0-255 pixels instead of the scaled images": _pool2(
            images='x_test[:100].reshape(-1, 28, 28, 1).astype("float32")'),
        "the first pooling layer, not the second": _pool2(layer="pool1"),
        "the quietest map, not the busiest": _pool2(busiest="mean(axis=(0, 1, 2)).argmin()"),
        "the busiest position, not the busiest map": _pool2(busiest="mean(axis=(0, 3)).argmax()"),
    },
    3: {
        "the saliency of the predicted class": _true_class(
            score="tf.reduce_sum(logits * tf.one_hot(y_pred[worst], 10))"),
        "the first 8 test digits instead of the worst 8": _true_class(images="x_test_image[:8]").replace(
            "y_test[worst]", "y_test[:8]"),
        "the probabilities, not the logits": _true_class(
            score="tf.reduce_sum(tf.nn.softmax(logits) * tf.one_hot(y_test[worst], 10))"),
        "stored the maps scaled to [0, 1] instead of the saliency": _true_class() + (
            "true_class_saliency = true_class_saliency / true_class_saliency.max(axis=(1, 2, 3), keepdims=True)\n"),
    },
    4: {
        "the Dense(500) coordinates with the pixels' shares of variance": """
pixel_coords = coords
pixel_explained = lab.pca_2d(x_test_image.reshape(len(x_test_image), -1))[1]
""",
        "the Dense(500) projection again": """
pixel_coords, pixel_explained = coords, explained
""",
        "projected the mistakes' pixels only": """
pixel_coords, pixel_explained = lab.pca_2d(x_test_image[mistakes].reshape(len(mistakes), -1))
""",
    },
    5: {
        "trained on every test digit, the scored half included": _probe(train=":"),
        "scored on the half it trained on": _probe(score=":half"),
        "a hidden layer added: not a linear probe": _probe(times=0,
            layers='keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")'),
    },
}
