"""Notebook 03 (what the CNN sees): wrong answers that each self-check must reject."""

WRONG = {
    1: {
        "read with dropout on (training=True)": """
read_pool2 = keras.Model(inputs=model.inputs[0], outputs=model.get_layer("pool2").output)
pool2_maps = np.asarray(read_pool2(x_test_image[:100], training=True), dtype="float32")
silent_maps = int((pool2_maps.max(axis=(0, 1, 2)) == 0).sum())
""",
        "fed the raw 0-255 pixels instead of the scaled images": """
read_pool2 = keras.Model(inputs=model.inputs[0], outputs=model.get_layer("pool2").output)
pool2_maps = np.asarray(read_pool2(x_test[:100].reshape(-1, 28, 28, 1).astype("float32")), dtype="float32")
silent_maps = int((pool2_maps.max(axis=(0, 1, 2)) == 0).sum())
""",
        "counted the zero activations, not the silent maps": """
read_pool2 = keras.Model(inputs=model.inputs[0], outputs=model.get_layer("pool2").output)
pool2_maps = np.asarray(read_pool2(x_test_image[:100], training=False), dtype="float32")
silent_maps = int((pool2_maps == 0).sum())
""",
    },
    2: {
        "the saliency of the predicted class": """
true_class_saliency = lab.saliency_map(model, x_test_image[worst])
""",
        "the first 8 test digits instead of the worst 8": """
true_class_saliency = lab.saliency_map(model, x_test_image[:8], class_index=y_test[:8])
""",
        "stored the maps scaled to [0, 1] instead of the saliency": """
saliency = lab.saliency_map(model, x_test_image[worst], class_index=y_test[worst])
true_class_saliency = saliency / saliency.max(axis=(1, 2, 3), keepdims=True)
""",
    },
    3: {
        "the Dense(500) coordinates with the pixels' shares of variance": """
pixel_coords = coords
pixel_explained = lab.pca_2d(x_test_image.reshape(len(x_test_image), -1))[1]
""",
        "the Dense(500) projection again": """
pixel_coords, pixel_explained = coords, explained
""",
        "projected as many training images instead of the test images": """
train_pixels = lab.prepare_images(lab.load_mnist()[0][0][:len(x_test)], "flat")
pixel_coords, pixel_explained = lab.pca_2d(train_pixels)
""",
    },
}
