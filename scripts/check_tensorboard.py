"""TensorBoard's own readers over the logs of scripts/check-tensorboard.js.

For each run folder: the legacy EventAccumulator (what `tensorboard --load_fast=false` and many
scripts use: Scalars() for simple_value, Tensors() for TF2 tensor summaries) and the
plugin_event_accumulator that TensorBoard's scalar and histogram dashboards read through
(data_compat turns simple_value into "scalars" tensors). Every scalar must be there with its
steps and float32 value; every histogram tag at every epoch, a [k, 3] tensor counting every weight.
Prints what it read and exits non-zero on the first difference.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
from tensorboard.backend.event_processing import event_accumulator, plugin_event_accumulator  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("  MISMATCH:", what)


def main(path):
    expected = json.load(open(path))
    for name, exp in expected.items():
        for run, tags in exp["scalars"].items():
            folder = os.path.join(exp["logdir"], run)
            legacy = event_accumulator.EventAccumulator(folder, size_guidance={k: 0 for k in event_accumulator.DEFAULT_SIZE_GUIDANCE})
            legacy.Reload()
            plugin = plugin_event_accumulator.EventAccumulator(folder, size_guidance={"tensors": 0})
            plugin.Reload()
            legacy_tags = legacy.Tags()
            print(f"{name}/{run}: legacy scalars {sorted(legacy_tags['scalars'])}, legacy tensors {len(legacy_tags['tensors'])}, "
                  f"plugin tags {sorted(plugin.PluginTagToContent('scalars'))}")
            for tag, points in tags.items():
                want_steps = [s for s, _ in points]
                want_values = np.array([v for _, v in points], np.float32)
                # The dashboards' path: scalars plugin tensors.
                got = plugin.Tensors(tag)
                steps = [e.step for e in got]
                values = np.array([tensor_util.make_ndarray(e.tensor_proto).item() for e in got], np.float32)
                check(steps == want_steps, f"{name}/{run}/{tag} steps {steps} != {want_steps}")
                check(np.array_equal(values, want_values), f"{name}/{run}/{tag} values {values} != {want_values}")
                check(plugin.SummaryMetadata(tag).plugin_data.plugin_name == "scalars", f"{name}/{run}/{tag} plugin")
                # The legacy path: simple_value scalars (tfjs-node) or tensors (Keras).
                if tag in legacy_tags["scalars"]:
                    lv = np.array([e.value for e in legacy.Scalars(tag)], np.float32)
                else:
                    lv = np.array([tensor_util.make_ndarray(e.tensor_proto).item() for e in legacy.Tensors(tag)], np.float32)
                check(np.array_equal(lv, want_values), f"{name}/{run}/{tag} legacy values")
                print(f"  {tag}: steps {steps} values {[round(float(v), 5) for v in values]}")
        folder = os.path.join(exp["logdir"], "train")
        plugin = plugin_event_accumulator.EventAccumulator(folder, size_guidance={"tensors": 0})
        plugin.Reload()
        hist_tags = sorted(plugin.PluginTagToContent("histograms"))
        check(hist_tags == sorted(exp["histograms"]), f"{name} histogram tags {hist_tags}")
        for tag in exp["histograms"]:
            events = plugin.Tensors(tag)
            check([e.step for e in events] == exp["histogramSteps"], f"{name} {tag} histogram steps")
            arr = tensor_util.make_ndarray(events[-1].tensor_proto)
            check(arr.ndim == 2 and arr.shape[1] == 3, f"{name} {tag} histogram shape {arr.shape}")
            print(f"  histogram {tag}: steps {[e.step for e in events]}, last {arr.shape} {arr.dtype}, "
                  f"range [{arr[0, 0]:.4f}, {arr[-1, 1]:.4f}], {int(arr[:, 2].sum())} values")
    print("FAILED:" if failures else "OK: TensorBoard's readers found every scalar and histogram", *failures, sep="\n  ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
