"""MNIST: loaded from Keras's download, or offline from the four original IDX files; prepared for Keras."""
import gzip
import hashlib
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .checks import IMAGE_SIZE, NUM_CLASSES, as_images, check_labels, pixel_max

MNIST_DIR_ENV_VAR = "MNIST_DIR"
MNIST_FILES = {  # the published SHA-256 of each original file (TensorFlow Datasets' url_checksums for mnist)
    "train_images": ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train_labels": ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "test_images": ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}
IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
_FIX = "Download the original file again (or point MNIST_DIR at a good copy)."
_NAMES = ", ".join(name for name, _ in MNIST_FILES.values())


class MnistFileError(ValueError):
    """An MNIST file exists but is not what it should be (corrupt, truncated, wrong format)."""


def load_mnist(data_dir=None, *, verify: bool = True):
    """Return ``(x_train, y_train), (x_test, y_test)`` as Keras's MNIST does, read from ``data_dir`` or $MNIST_DIR."""
    # Each file's SHA-256 is checked (verify=False reads another IDX set, e.g. Fashion-MNIST); data_dir is only read.
    if data_dir is None and not (data_dir := os.environ.get(MNIST_DIR_ENV_VAR, "").strip()):
        import keras
        try:
            return keras.datasets.mnist.load_data()
        except Exception as error:  # network errors come in many types; all mean the same to a student
            raise FileNotFoundError(f"Keras could not download MNIST ({type(error).__name__}: {error}). If this "
                                    f"machine is offline, set {MNIST_DIR_ENV_VAR} to a folder that holds the four "
                                    f"original files ({_NAMES}), or pass data_dir=.") from error
    if not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError(f"data_dir must be a folder path (str or Path), got {type(data_dir).__name__}.")
    folder = Path(data_dir).expanduser()
    where = f"Point {MNIST_DIR_ENV_VAR} (or data_dir) at the folder that holds the four IDX .gz files"
    if not folder.is_dir():
        found = "is a file, not a folder" if folder.exists() else "does not exist"
        raise FileNotFoundError(f"MNIST folder {str(folder)!r} {found}. {where}, or unset it to let Keras download it.")
    if missing := [name for name, _ in MNIST_FILES.values() if not (folder / name).is_file()]:
        raise FileNotFoundError(f"MNIST folder {str(folder)!r} lacks {', '.join(missing)}. It needs all four "
                                f"original files ({_NAMES}), with their original names.")
    arrays = {key: _read_idx(folder / name, sha256 if verify else None, key.split("_")[1])
              for key, (name, sha256) in MNIST_FILES.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if len(images) != len(labels):
            raise MnistFileError(f"{folder / MNIST_FILES[split + '_images'][0]} holds {len(images):,} images but "
                                 f"{folder / MNIST_FILES[split + '_labels'][0]} holds {len(labels):,} labels: the "
                                 f"two files of the {split} split do not belong together. {_FIX}")
    return (arrays["train_images"], arrays["train_labels"]), (arrays["test_images"], arrays["test_labels"])


def _read_idx(path: Path, sha256: str | None, kind: str) -> np.ndarray:
    """Return the images (n, 28, 28) or labels (n,) of IDX .gz ``path``, its header and ``sha256`` (if any) checked."""
    raw = path.read_bytes()
    if sha256 is not None and (actual := hashlib.sha256(raw).hexdigest()) != sha256:
        raise MnistFileError(f"{path} has SHA-256 {actual}, but the published file has {sha256}: it is corrupt, "
                             f"truncated or not the original. {_FIX} To read other IDX data, pass verify=False.")
    if raw[:2] != b"\x1f\x8b":
        raise MnistFileError(f"{path} is not a gzip file (it should be the original .gz download). {_FIX}")
    try:
        payload = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise MnistFileError(f"{path} is a damaged or truncated gzip file ({error}). {_FIX}") from None
    magic, num_dims = (IMAGES_MAGIC, 3) if kind == "images" else (LABELS_MAGIC, 1)
    if len(payload) < (header_size := 4 * (1 + num_dims)):
        raise MnistFileError(f"{path} holds {len(payload)} bytes once unzipped, fewer than the {header_size}-byte "
                             f"IDX header of an {kind} file. {_FIX}")
    found_magic, *dims = struct.unpack_from(f">{1 + num_dims}I", payload)
    if found_magic != magic:
        raise MnistFileError(f"{path} starts with magic number {found_magic}, but an IDX {kind} file starts with "
                             f"{magic}: it is not an MNIST {kind} file (are two files swapped?). {_FIX}")
    if len(payload) != (expected := header_size + math.prod(dims)):  # Python ints: three 32-bit fields overflow int64
        raise MnistFileError(f"{path} declares {dims[0]:,} {kind} in its header, which needs {expected:,} bytes, "
                             f"but {len(payload):,} bytes are present: the count disagrees with the data. {_FIX}")
    if kind == "images" and dims[1:] != [IMAGE_SIZE, IMAGE_SIZE]:
        raise MnistFileError(f"{path} holds {dims[1]}x{dims[2]} images, but MNIST images are 28x28. {_FIX}")
    data = np.frombuffer(payload, dtype=np.uint8, offset=header_size).reshape(dims).copy()
    if kind == "labels" and data.size and data.max() >= NUM_CLASSES:
        bad = int(np.argmax(data >= NUM_CLASSES))
        raise MnistFileError(f"{path} has label {data[bad]} at index {bad}; MNIST labels are digits 0..9. {_FIX}")
    return data


def prepare_images(x, layout: str = "image") -> np.ndarray:
    """Return MNIST images as float32 in [0, 1], shaped (n, 28, 28, 1) for ``image``, (n, 784) for ``flat``."""
    if layout not in ("image", "flat"):
        raise ValueError(f"layout must be 'image' (n, 28, 28, 1) for a CNN or 'flat' (n, 784) for a dense net, "
                         f"got {layout!r}.")
    x = as_images("images", x)  # a non-empty batch, integer pixels 0..255 or float pixels in [0, 1]
    shape = (-1, IMAGE_SIZE, IMAGE_SIZE, 1) if layout == "image" else (-1, IMAGE_SIZE * IMAGE_SIZE)
    return (x.astype("float32") / pixel_max(x)).reshape(shape)


def one_hot(y, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Return integer labels as a float32 one-hot matrix of shape (n, num_classes)."""
    return np.eye(num_classes, dtype="float32")[check_labels("labels", y, num_classes)]
