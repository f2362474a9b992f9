"""The published recipes (notebooks 01 and 02 write them out in Keras), as the reproductions train them."""
from lab_utils.training import Recipe

DENSE_BASELINE_RECIPE = Recipe("dense baseline", optimizer="sgd", batch_size=200, epochs=25, validation_split=0.2,
                               pipeline="keras")
SEED_CNN_RECIPE = Recipe("seed CNN", optimizer="adam", batch_size=200, epochs=10, validation_split=0.2,
                         pipeline="keras")
