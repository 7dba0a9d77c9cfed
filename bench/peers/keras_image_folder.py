"""Keras peer of bench/data.js: one pass over an image folder, images per second.

  python3 bench/peers/keras_image_folder.py <png64 folder> <jpg256 folder> [reps]   (normally run by bench/data.js)

Needs keras 3 and tensorflow (PyPI; BENCH_KERAS_PYTHON names the Python that has them). The
same work as bench/data.js: ImageDataGenerator(rescale=1/255).flow_from_directory(target_size=
(64, 64), batch_size=32, class_mode='binary') read batch by batch (its __getitem__, as fit
does: PIL load_img, nearest resizing), and image_dataset_from_directory(image_size=(64, 64),
batch_size=32, label_mode='binary') iterated once (tf.data, bilinear, prefetch AUTOTUNE).
One warm-up pass, then the median of `reps` passes. Prints one JSON object on its last line.
"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import PIL  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras.src.legacy.preprocessing.image import ImageDataGenerator  # noqa: E402


def rate(one_pass, reps):
    one_pass()
    rates = []
    for _ in range(reps):
        start = time.perf_counter()
        n = one_pass()
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def flow(folder):
    gen = ImageDataGenerator(rescale=1 / 255).flow_from_directory(folder, target_size=(64, 64), batch_size=32, class_mode="binary")

    def one_pass():
        n = 0
        for i in range(len(gen)):
            x, _ = gen[i]
            n += x.shape[0]
        gen.on_epoch_end()
        return n
    return one_pass


def idfd(folder):
    ds = keras.utils.image_dataset_from_directory(folder, image_size=(64, 64), batch_size=32, label_mode="binary", seed=1, verbose=False)

    def one_pass():
        return sum(int(x.shape[0]) for x, _ in ds)
    return one_pass


def main():
    png, jpg = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    out = {"keras": keras.__version__, "tensorflow": tf.__version__, "pillow": PIL.__version__}
    out["flow_png"] = rate(flow(png), reps)
    out["flow_jpg"] = rate(flow(jpg), reps)
    out["idfd_png"] = rate(idfd(png), reps)
    out["idfd_jpg"] = rate(idfd(jpg), reps)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
