"""Tests for lab_utils/data.py: the offline MNIST loader, its error messages, and the Keras preparation helpers.

Broken data sets are always synthetic (or copies) built under pytest's tmp_path; the shared MNIST folder is only read.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from lab_utils.data import (
    IMAGES_MAGIC,
    LABELS_MAGIC,
    MNIST_DIR_ENV_VAR,
    MNIST_FILES,
    MnistFileError,
    load_mnist,
    one_hot,
    prepare_images,
)

_DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
# CI exports MNIST_DIR explicitly; conftest points it at the shared folder when it is unset.
SHARED = Path(os.environ.get(MNIST_DIR_ENV_VAR) or _DEFAULT_SHARED)

NAMES = {key: filename for key, (filename, _) in MNIST_FILES.items()}
N_TRAIN, N_TEST = 12, 5


# --------------------------------------------------------------------------- synthetic IDX helpers


def idx_images(x: np.ndarray, *, magic: int = IMAGES_MAGIC, count: int | None = None, extra: bytes = b"") -> bytes:
    """Uncompressed IDX image payload: big-endian header (magic, count, rows, cols) then the pixels."""
    x = np.asarray(x, dtype=np.uint8)
    n, rows, cols = x.shape
    header = struct.pack(">4I", magic, n if count is None else count, rows, cols)
    return header + x.tobytes() + extra


def idx_labels(y: np.ndarray, *, magic: int = LABELS_MAGIC, count: int | None = None, extra: bytes = b"") -> bytes:
    """Uncompressed IDX label payload: big-endian header (magic, count) then the labels."""
    y = np.asarray(y, dtype=np.uint8)
    return struct.pack(">2I", magic, len(y) if count is None else count) + y.tobytes() + extra


def synthetic_arrays(n_train: int = N_TRAIN, n_test: int = N_TEST, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, size=n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, size=n_test, dtype=np.uint8),
    }


def write_dataset(folder: Path, *, payloads: dict | None = None, raw: dict | None = None) -> dict[str, np.ndarray]:
    """Write a valid, gzip-compressed synthetic IDX data set into ``folder``, then apply the breakage.

    ``payloads`` replaces a file's uncompressed IDX payload (it is still gzipped); ``raw`` replaces a file's bytes
    on disk exactly (no gzip). Returns the arrays of the valid data set.
    """
    folder.mkdir(parents=True, exist_ok=True)
    arrays = synthetic_arrays()
    payloads = payloads or {}
    raw = raw or {}
    for key, filename in NAMES.items():
        if key in raw:
            content = raw[key]
        else:
            default = idx_images(arrays[key]) if key.endswith("images") else idx_labels(arrays[key])
            content = gzip.compress(payloads.get(key, default), mtime=0)
        (folder / filename).write_bytes(content)
    return arrays


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry under ``folder`` (hidden ones too): size, mtime in ns and SHA-256."""
    result = {}
    for path in sorted(folder.rglob("*")):
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        result[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns, digest)
    return result


def raises_exactly(exc_type, *fragments, **kwargs):
    """Call ``load_mnist(**kwargs)``; assert the exception's type is exactly ``exc_type`` and the message holds every fragment."""
    with pytest.raises(BaseException) as info:
        load_mnist(**kwargs)
    assert type(info.value) is exc_type, f"expected {exc_type.__name__}, got {type(info.value).__name__}: {info.value}"
    message = str(info.value)
    for fragment in fragments:
        assert str(fragment) in message, f"{fragment!r} not in message: {message}"
    return message


# --------------------------------------------------------------------------- facts about the real MNIST


_SHARED_BEFORE: dict = {}


@pytest.fixture(scope="module")
def mnist():
    if not SHARED.is_dir():
        pytest.skip(f"no MNIST folder at {SHARED} (set {MNIST_DIR_ENV_VAR})")
    _SHARED_BEFORE.update(snapshot(SHARED))  # taken before the load, compared after it
    return load_mnist(SHARED)


def test_real_mnist_dtypes_and_shapes(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert [a.dtype for a in (x_train, y_train, x_test, y_test)] == [np.uint8] * 4
    assert x_train.shape == (60000, 28, 28)
    assert y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28)
    assert y_test.shape == (10000,)


def test_real_mnist_first_labels(mnist):
    (_, y_train), (_, y_test) = mnist
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_real_mnist_label_counts(mnist):
    (_, y_train), (_, y_test) = mnist
    assert np.bincount(y_train, minlength=10).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_test, minlength=10).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_real_mnist_mean_pixel(mnist):
    (x_train, _), _ = mnist
    assert x_train.mean(dtype=np.float64) == pytest.approx(33.318421449829934, rel=1e-12)


def test_real_mnist_arrays_are_writable_copies(mnist):
    (x_train, y_train), _ = mnist
    assert x_train.flags.writeable and x_train.flags.c_contiguous and x_train.flags.owndata
    assert y_train.flags.writeable


# --------------------------------------------------------------------------- valid synthetic data, env var and data_dir


def assert_arrays_equal(result, arrays):
    (x_train, y_train), (x_test, y_test) = result
    for got, key in ((x_train, "train_images"), (y_train, "train_labels"), (x_test, "test_images"), (y_test, "test_labels")):
        assert got.dtype == np.uint8, key
        np.testing.assert_array_equal(got, arrays[key], err_msg=key)


def test_synthetic_dataset_loads_exactly(tmp_path):
    arrays = write_dataset(tmp_path / "set")
    result = load_mnist(tmp_path / "set", verify=False)
    assert_arrays_equal(result, arrays)
    assert result[0][0].shape == (N_TRAIN, 28, 28) and result[1][0].shape == (N_TEST, 28, 28)


def test_data_dir_accepts_str_and_expands_user(tmp_path, monkeypatch):
    arrays = write_dataset(tmp_path / "home" / "mnist")
    assert_arrays_equal(load_mnist(str(tmp_path / "home" / "mnist"), verify=False), arrays)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert_arrays_equal(load_mnist("~/mnist", verify=False), arrays)


def test_mnist_dir_env_var_is_honoured(tmp_path, monkeypatch):
    arrays = write_dataset(tmp_path / "from_env")
    monkeypatch.setenv(MNIST_DIR_ENV_VAR, str(tmp_path / "from_env"))
    assert_arrays_equal(load_mnist(verify=False), arrays)


def test_data_dir_beats_env_var(tmp_path, monkeypatch):
    arrays = write_dataset(tmp_path / "explicit")
    monkeypatch.setenv(MNIST_DIR_ENV_VAR, str(tmp_path / "does-not-exist"))
    assert_arrays_equal(load_mnist(tmp_path / "explicit", verify=False), arrays)


def test_synthetic_files_fail_verification_by_default(tmp_path):
    """verify=True is the default: a non-original file is refused even though it is well formed."""
    write_dataset(tmp_path)
    raises_exactly(MnistFileError, tmp_path / NAMES["train_images"], "SHA-256", "verify=False", data_dir=tmp_path)


def test_without_folder_keras_download_failure_is_explained(monkeypatch):
    keras = pytest.importorskip("keras")

    def offline():
        raise OSError("network is unreachable")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    monkeypatch.setenv(MNIST_DIR_ENV_VAR, "   ")  # blank counts as unset
    message = raises_exactly(FileNotFoundError, "could not download", MNIST_DIR_ENV_VAR, "network is unreachable")
    for filename in NAMES.values():
        assert filename in message


# --------------------------------------------------------------------------- folder problems (FileNotFoundError)


def test_folder_missing(tmp_path):
    folder = tmp_path / "nowhere"
    raises_exactly(FileNotFoundError, str(folder), "does not exist", MNIST_DIR_ENV_VAR, data_dir=folder)


def test_folder_is_a_file(tmp_path):
    path = tmp_path / "mnist.gz"
    path.write_bytes(b"not a folder")
    raises_exactly(FileNotFoundError, str(path), "is a file, not a folder", data_dir=path)


def test_one_file_missing(tmp_path):
    write_dataset(tmp_path)
    (tmp_path / NAMES["test_labels"]).unlink()
    message = raises_exactly(FileNotFoundError, str(tmp_path), "lacks " + NAMES["test_labels"], data_dir=tmp_path)
    assert "lacks " + NAMES["train_images"] not in message


def test_file_renamed_is_missing(tmp_path):
    write_dataset(tmp_path)
    (tmp_path / NAMES["train_images"]).rename(tmp_path / "train-images.idx3-ubyte.gz")
    raises_exactly(FileNotFoundError, str(tmp_path), "lacks " + NAMES["train_images"], "original names", data_dir=tmp_path)


def test_expected_name_is_a_folder(tmp_path):
    write_dataset(tmp_path)
    (tmp_path / NAMES["train_labels"]).unlink()
    (tmp_path / NAMES["train_labels"]).mkdir()
    raises_exactly(FileNotFoundError, "lacks " + NAMES["train_labels"], data_dir=tmp_path, verify=False)


def test_empty_folder(tmp_path):
    message = raises_exactly(FileNotFoundError, str(tmp_path), "lacks", data_dir=tmp_path)
    lacks = message.split("lacks", 1)[1].split(". It needs", 1)[0]
    for filename in NAMES.values():
        assert filename in lacks


def test_env_var_pointing_at_missing_folder(tmp_path, monkeypatch):
    folder = tmp_path / "typo"
    monkeypatch.setenv(MNIST_DIR_ENV_VAR, str(folder))
    raises_exactly(FileNotFoundError, str(folder), "does not exist", MNIST_DIR_ENV_VAR)


@pytest.mark.parametrize("bad", [123, 1.5, ["a", "b"], b"/tmp/mnist"])
def test_data_dir_of_wrong_type(bad):
    raises_exactly(TypeError, "data_dir", type(bad).__name__, data_dir=bad)


# --------------------------------------------------------------------------- checksums (verify=True)


def test_checksum_mismatch_in_real_copy(tmp_path):
    if not SHARED.is_dir():
        pytest.skip(f"no MNIST folder at {SHARED}")
    for filename in NAMES.values():
        shutil.copyfile(SHARED / filename, tmp_path / filename)
    target = tmp_path / NAMES["test_labels"]
    content = bytearray(target.read_bytes())
    content[len(content) // 2] ^= 0xFF
    target.write_bytes(bytes(content))
    expected = MNIST_FILES["test_labels"][1]
    raises_exactly(MnistFileError, str(target), "SHA-256", expected, "corrupt", data_dir=tmp_path)


# --------------------------------------------------------------------------- format problems (verify=False)


def broken(tmp_path, *, payloads=None, raw=None):
    write_dataset(tmp_path, payloads=payloads, raw=raw)
    return tmp_path


def _valid_gz(key: str) -> bytes:
    arrays = synthetic_arrays()
    payload = idx_images(arrays[key]) if key.endswith("images") else idx_labels(arrays[key])
    return gzip.compress(payload, mtime=0)


def test_not_gzip(tmp_path):
    arrays = synthetic_arrays()
    folder = broken(tmp_path, raw={"train_images": idx_images(arrays["train_images"])})  # unzipped IDX
    raises_exactly(MnistFileError, str(folder / NAMES["train_images"]), "not a gzip file", data_dir=folder, verify=False)


def test_empty_file(tmp_path):
    folder = broken(tmp_path, raw={"test_images": b""})
    raises_exactly(MnistFileError, str(folder / NAMES["test_images"]), "not a gzip file", data_dir=folder, verify=False)


def test_html_error_page_instead_of_gzip(tmp_path):
    folder = broken(tmp_path, raw={"train_labels": b"<html><body>404 Not Found</body></html>"})
    raises_exactly(MnistFileError, str(folder / NAMES["train_labels"]), "not a gzip file", data_dir=folder, verify=False)


def test_truncated_gzip(tmp_path):
    gz = _valid_gz("train_images")
    folder = broken(tmp_path, raw={"train_images": gz[: len(gz) // 2]})
    raises_exactly(
        MnistFileError, str(folder / NAMES["train_images"]), "damaged or truncated gzip", data_dir=folder, verify=False
    )


def test_gzip_magic_only(tmp_path):
    folder = broken(tmp_path, raw={"test_labels": b"\x1f\x8b"})
    raises_exactly(
        MnistFileError, str(folder / NAMES["test_labels"]), "damaged or truncated gzip", data_dir=folder, verify=False
    )


def test_gzip_crc_mismatch(tmp_path):
    gz = bytearray(_valid_gz("test_images"))
    gz[-8] ^= 0xFF  # the CRC-32 in the gzip trailer
    folder = broken(tmp_path, raw={"test_images": bytes(gz)})
    raises_exactly(
        MnistFileError, str(folder / NAMES["test_images"]), "damaged or truncated gzip", data_dir=folder, verify=False
    )


def test_gzip_with_trailing_garbage(tmp_path):
    folder = broken(tmp_path, raw={"train_labels": _valid_gz("train_labels") + b"garbage"})
    raises_exactly(
        MnistFileError, str(folder / NAMES["train_labels"]), "damaged or truncated gzip", data_dir=folder, verify=False
    )


def test_image_payload_shorter_than_header(tmp_path):
    folder = broken(tmp_path, payloads={"train_images": struct.pack(">2I", IMAGES_MAGIC, N_TRAIN) + b"\x00\x00"})
    raises_exactly(
        MnistFileError, str(folder / NAMES["train_images"]), "holds 10 bytes", "16-byte IDX header",
        data_dir=folder, verify=False,
    )


def test_label_payload_empty(tmp_path):
    folder = broken(tmp_path, payloads={"test_labels": b""})
    raises_exactly(
        MnistFileError, str(folder / NAMES["test_labels"]), "holds 0 bytes", "8-byte IDX header",
        data_dir=folder, verify=False,
    )


def test_wrong_magic_in_image_file(tmp_path):
    arrays = synthetic_arrays()
    folder = broken(tmp_path, payloads={"test_images": idx_images(arrays["test_images"], magic=0x0803_0000)})
    raises_exactly(
        MnistFileError, str(folder / NAMES["test_images"]), f"magic number {0x0803_0000}", str(IMAGES_MAGIC),
        "not an MNIST images file", data_dir=folder, verify=False,
    )


def test_wrong_magic_in_label_file(tmp_path):
    arrays = synthetic_arrays()
    folder = broken(tmp_path, payloads={"train_labels": idx_labels(arrays["train_labels"], magic=2050)})
    raises_exactly(
        MnistFileError, str(folder / NAMES["train_labels"]), "magic number 2050", str(LABELS_MAGIC),
        "not an MNIST labels file", data_dir=folder, verify=False,
    )


def test_image_and_label_files_swapped(tmp_path):
    folder = broken(tmp_path, raw={"train_images": _valid_gz("train_labels"), "train_labels": _valid_gz("train_images")})
    raises_exactly(
        MnistFileError, str(folder / NAMES["train_images"]), f"magic number {LABELS_MAGIC}", "swapped",
        data_dir=folder, verify=False,
    )


def test_image_file_in_place_of_label_file(tmp_path):
    folder = broken(tmp_path, raw={"test_labels": _valid_gz("test_images")})
    raises_exactly(
        MnistFileError, str(folder / NAMES["test_labels"]), f"magic number {IMAGES_MAGIC}", "labels file",
        data_dir=folder, verify=False,
    )


def test_wrong_image_dimensions(tmp_path):
    folder = broken(tmp_path, payloads={"train_images": idx_images(np.zeros((N_TRAIN, 32, 32), np.uint8))})
    raises_exactly(
        MnistFileError, str(folder / NAMES["train_images"]), "32x32", "28x28", data_dir=folder, verify=False
    )


def test_image_count_larger_than_data(tmp_path):
    arrays = synthetic_arrays()
    folder = broken(tmp_path, payloads={"train_images": idx_images(arrays["train_images"], count=N_TRAIN + 1)})
    raises_exactly(
        MnistFileError, str(folder / NAMES["train_images"]), f"declares {N_TRAIN + 1} images",
        f"{16 + (N_TRAIN + 1) * 784:,} bytes", f"{16 + N_TRAIN * 784:,} bytes are present", "disagrees",
        data_dir=folder, verify=False,
    )


def test_image_file_with_extra_bytes(tmp_path):
    arrays = synthetic_arrays()
    folder = broken(tmp_path, payloads={"test_images": idx_images(arrays["test_images"], extra=b"\x00" * 5)})
    raises_exactly(
        MnistFileError, str(folder / NAMES["test_images"]), f"declares {N_TEST} images",
        f"{16 + N_TEST * 784 + 5:,} bytes are present", data_dir=folder, verify=False,
    )


def test_huge_header_dimensions_report_the_true_size(tmp_path):
    """Header fields are 32-bit: their product overflows int64, yet the message must state the true byte count."""
    big = 2**32 - 1
    folder = broken(tmp_path, payloads={"train_images": struct.pack(">4I", IMAGES_MAGIC, big, big, big)})
    raises_exactly(
        MnistFileError, str(folder / NAMES["train_images"]), f"declares {big:,} images",
        f"needs {16 + big**3:,} bytes", data_dir=folder, verify=False,
    )


def test_label_count_disagrees_with_data(tmp_path):
    arrays = synthetic_arrays()
    folder = broken(tmp_path, payloads={"test_labels": idx_labels(arrays["test_labels"], count=20)})
    raises_exactly(
        MnistFileError, str(folder / NAMES["test_labels"]), "declares 20 labels", f"{8 + N_TEST} bytes are present",
        data_dir=folder, verify=False,
    )


def test_image_count_differs_from_label_count(tmp_path):
    arrays = synthetic_arrays()
    folder = broken(tmp_path, payloads={"train_labels": idx_labels(arrays["train_labels"][:-1])})
    raises_exactly(
        MnistFileError, str(folder / NAMES["train_images"]), str(folder / NAMES["train_labels"]),
        f"{N_TRAIN} images", f"{N_TRAIN - 1} labels", "train split", data_dir=folder, verify=False,
    )


def test_test_split_count_mismatch_names_test_files(tmp_path):
    arrays = synthetic_arrays()
    extra = np.concatenate([arrays["test_images"], arrays["test_images"][:1]])
    folder = broken(tmp_path, payloads={"test_images": idx_images(extra)})
    raises_exactly(
        MnistFileError, str(folder / NAMES["test_images"]), str(folder / NAMES["test_labels"]),
        f"{N_TEST + 1} images", f"{N_TEST} labels", "test split", data_dir=folder, verify=False,
    )


@pytest.mark.parametrize("value", [10, 255])
def test_label_out_of_range(tmp_path, value):
    arrays = synthetic_arrays()
    labels = arrays["train_labels"].copy()
    labels[3] = value
    folder = broken(tmp_path, payloads={"train_labels": idx_labels(labels)})
    raises_exactly(
        MnistFileError, str(folder / NAMES["train_labels"]), f"label {value} at index 3", "0..9",
        data_dir=folder, verify=False,
    )


def test_every_format_message_says_what_to_do(tmp_path):
    folder = broken(tmp_path, raw={"test_images": b""})
    raises_exactly(MnistFileError, "Download the original file again", MNIST_DIR_ENV_VAR, data_dir=folder, verify=False)


def test_mnist_file_error_is_a_value_error():
    assert issubclass(MnistFileError, ValueError)


# --------------------------------------------------------------------------- the loader never writes


def test_loader_never_writes_into_the_data_folder(tmp_path):
    folder = tmp_path / "data"
    arrays = write_dataset(folder)
    for path in folder.iterdir():
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # an old mtime: any rewrite would change it
    before = snapshot(folder)

    assert_arrays_equal(load_mnist(folder, verify=False), arrays)
    assert snapshot(folder) == before

    with pytest.raises(MnistFileError):
        load_mnist(folder)  # verify=True fails: synthetic files
    assert snapshot(folder) == before

    (folder / NAMES["test_labels"]).write_bytes(b"")
    os.utime(folder / NAMES["test_labels"], ns=(1_000_000_000, 1_000_000_000))
    before = snapshot(folder)
    with pytest.raises(MnistFileError):
        load_mnist(folder, verify=False)
    assert snapshot(folder) == before


def test_loader_never_writes_into_the_shared_folder(mnist):
    assert _SHARED_BEFORE, "the fixture took no snapshot"
    assert snapshot(SHARED) == _SHARED_BEFORE


# --------------------------------------------------------------------------- prepare_images


@pytest.mark.parametrize("shape", [(3, 28, 28), (3, 28, 28, 1), (3, 784)])
@pytest.mark.parametrize(("layout", "expected"), [("image", (3, 28, 28, 1)), ("flat", (3, 784))])
def test_prepare_images_shapes(shape, layout, expected):
    x = np.arange(np.prod(shape)).reshape(shape).astype(np.uint8)
    out = prepare_images(x, layout)
    assert out.shape == expected
    assert out.dtype == np.float32


def test_prepare_images_default_layout_is_image():
    assert prepare_images(np.zeros((2, 28, 28), np.uint8)).shape == (2, 28, 28, 1)


def test_prepare_images_scales_uint8_by_255():
    x = np.zeros((2, 28, 28), np.uint8)
    x[0, 0, 0], x[0, 0, 1], x[1, 27, 27] = 255, 51, 1
    out = prepare_images(x, "flat")
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert out[0, 0] == 1.0
    assert out[0, 1] == pytest.approx(0.2)
    assert out[1, 783] == pytest.approx(1 / 255)
    assert out.sum() == pytest.approx((255 + 51 + 1) / 255)
    np.testing.assert_allclose(prepare_images(x, "image")[..., 0], x / 255.0, rtol=1e-6)


def test_prepare_images_keeps_floats_in_unit_range_and_copies():
    x = np.linspace(0.0, 1.0, 2 * 784, dtype=np.float64).reshape(2, 28, 28)
    out = prepare_images(x, "flat")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.reshape(2, 28, 28), x, rtol=1e-6)
    assert not np.shares_memory(out, x)
    xf = x.astype(np.float32)
    out = prepare_images(xf)
    out[:] = 0.5
    assert xf[0, 0, 0] == 0.0  # the input is left alone


def test_prepare_images_accepts_lists():
    assert prepare_images([[[0] * 28] * 28]).shape == (1, 28, 28, 1)


@pytest.mark.parametrize(
    "x",
    [
        np.zeros(784, np.uint8),  # rank 1: one image, not a batch
        np.zeros((28, 28), np.uint8),  # a single image
        np.zeros((3, 100), np.uint8),  # wrong size
        np.zeros((3, 28, 27), np.uint8),
        np.zeros((3, 28, 28, 3), np.uint8),  # colour channels
        np.zeros((3, 1, 28, 28), np.uint8),  # channels first
        np.zeros((0, 28, 28), np.uint8),  # empty batch
        np.zeros((0, 784), np.uint8),
        np.uint8(3),  # scalar
    ],
    ids=["rank1", "single-image", "3x100", "28x27", "3-channels", "channels-first", "empty", "empty-flat", "scalar"],
)
def test_prepare_images_rejects_bad_shapes(x):
    with pytest.raises(ValueError, match="images must be a non-empty batch of MNIST images") as info:
        prepare_images(x)
    assert str(np.asarray(x).shape) in str(info.value)


@pytest.mark.parametrize("layout", ["flat2", "IMAGE", "nchw", "", None])
def test_prepare_images_rejects_unknown_layout(layout):
    with pytest.raises(ValueError, match="layout must be 'image'"):
        prepare_images(np.zeros((1, 28, 28), np.uint8), layout)


@pytest.mark.parametrize("bad", [-0.1, 1.5, 255.0, np.inf, -np.inf, np.nan])
def test_prepare_images_rejects_floats_outside_unit_range(bad):
    x = np.full((2, 28, 28), 0.5, np.float32)
    x[1, 3, 4] = bad
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        prepare_images(x)


def test_prepare_images_scales_any_integer_pixels_and_refuses_them_outside_0_255():
    np.testing.assert_allclose(prepare_images(np.full((1, 28, 28), 200, np.int64)), 200 / 255, rtol=1e-6)
    with pytest.raises(ValueError, match=r"0\.\.255"):
        prepare_images(np.full((1, 28, 28), 300, np.int64))


# --------------------------------------------------------------------------- one_hot


def test_one_hot_values_and_dtype():
    out = one_hot(np.array([0, 3, 9], np.uint8))
    assert out.shape == (3, 10) and out.dtype == np.float32
    np.testing.assert_array_equal(out, np.eye(10, dtype=np.float32)[[0, 3, 9]])
    assert out.sum(axis=1).tolist() == [1.0, 1.0, 1.0]


def test_one_hot_num_classes_and_lists():
    out = one_hot([1, 0, 4], num_classes=5)
    assert out.shape == (3, 5)
    assert out.argmax(axis=1).tolist() == [1, 0, 4]


@pytest.mark.parametrize(
    ("y", "match"),
    [
        (np.zeros((2, 3), np.int64), "1-D"),
        (np.int64(3), "1-D"),
        (np.array([], np.int64), "non-empty"),
        (np.array([0.0, 1.0]), "integers"),
        (np.array([True, False]), "integers"),
        (np.array(["1", "2"]), "integers"),
        (np.array([0, 10]), "0..9"),
        (np.array([-1, 2]), "0..9"),
    ],
    ids=["2d", "scalar", "empty", "floats", "bools", "strings", "ten", "negative"],
)
def test_one_hot_rejects_bad_labels(y, match):
    with pytest.raises(ValueError, match=match):
        one_hot(y)


def test_one_hot_respects_num_classes_range():
    with pytest.raises(ValueError, match=r"0\.\.2"):
        one_hot([0, 3], num_classes=3)
