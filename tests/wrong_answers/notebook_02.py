"""Notebook 02 (the 6-layer CNN): wrong answers that each self-check must reject."""

WRONG = {
    1: {
        "rounded up when pooling": """
import math

side = 28
for _ in range(2):
    side = math.ceil((side - 3 + 1) / 2)
side_with_3x3 = side
flatten_size_with_3x3 = side * side * 100
""",
        "as if padding kept the size (only pooling shrinks)": """
side_with_3x3 = 28 // 2 // 2
flatten_size_with_3x3 = side_with_3x3 * side_with_3x3 * 100
""",
        "flattened one feature map instead of all 100": """
side = 28
for _ in range(2):
    side = (side - 3 + 1) // 2
side_with_3x3 = side
flatten_size_with_3x3 = side * side
""",
    },
    2: {
        "forgot the biases": """
def conv_params(kernel, in_maps, out_maps):
    return kernel * kernel * in_maps * out_maps

total_params_48 = conv_params(5, 1, 48) + conv_params(5, 48, 100) + (1600 + 1) * 500 + (500 + 1) * 10
""",
        "changed only the first convolution (the second still sees 75 maps)": """
def conv_params(kernel, in_maps, out_maps):
    return (kernel * kernel * in_maps + 1) * out_maps

total_params_48 = conv_params(5, 1, 48) + conv_params(5, 75, 100) + (1600 + 1) * 500 + (500 + 1) * 10
""",
        "one bias per input map": """
def conv_params(kernel, in_maps, out_maps):
    return (kernel * kernel + 1) * in_maps * out_maps

total_params_48 = conv_params(5, 1, 48) + conv_params(5, 48, 100) + (1600 + 1) * 500 + (500 + 1) * 10
""",
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
