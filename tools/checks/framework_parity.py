#!/usr/bin/env python3
"""The exporters and conventions against real frameworks (optional: needs tools/requirements-frameworks.txt).

    python3 -m venv /tmp/earshot-frameworks && /tmp/earshot-frameworks/bin/pip install -r tools/requirements-frameworks.txt
    /tmp/earshot-frameworks/bin/python tools/checks/framework_parity.py --earshot .build/debug/earshot

Keras (Keras 3, TensorFlow backend): builds small models (LSTM, GRU reset_after True and False,
SimpleRNN relu, Dense with softmax/tanh; return_sequences both ways) with random weights and
biases, saves them as .keras, exports them with tools/export/export_keras.py, converts with
`earshot convert --manifest`, streams a random sequence through `earshot infer` and compares with
Keras' own `model(x)`: max abs difference <= 1e-5.

TensorFlow 1: exports ARM's ML-KWS frozen graphs (../shared/data/ml-kws/models/<M>.pb) with
tools/export/export_tf1.py, checks the inferred manifest against tools/manifests/ml-kws/<M>.json (same
layers, prefixes and sizes), converts, and compares with TensorFlow running the frozen graph itself
from its Mfcc node on the reference MFCCs: max abs difference <= 1e-4 on every clip.
(TensorFlow 2.16+ no longer builds TF1 cells under Keras 3, so real TF1 graphs are the peer.)

PyTorch is not checked against torch here: PyPI's Linux torch wheels pull the CUDA stack
(gigabytes); the PyTorch convention is checked against numpy references of torch.nn's formulas
(tools/fixtures/make_manifest_fixtures.py) and the exporter in tools/export/export_pytorch.py on them.
Prints one line per check and "N passed, M failed".
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ML_KWS = ["LSTM_S", "LSTM_M", "LSTM_L", "Basic_LSTM_S", "GRU_S", "GRU_M", "GRU_L"]


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result.stdout


def earshot_outputs(earshot, archive, manifest, features, scratch, name):
    model = os.path.join(scratch, f"{name}.earshot")
    out = os.path.join(scratch, f"{name}_out.npy")
    run([earshot, "convert", archive, "--manifest", manifest, "-o", model])
    run([earshot, "infer", "--model", model, "--features", features, "--out", out])
    return np.load(out)


def keras_models():
    import keras
    from keras import layers

    rng = np.random.default_rng(7)

    def randomize(model):
        for layer in model.layers:
            weights = layer.get_weights()
            if weights:
                layer.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in weights])
        return model

    steps = 9
    yield "keras_lstm_gru_rnn_dense", randomize(keras.Sequential([
        keras.Input((steps, 6)),
        layers.LSTM(8, return_sequences=True, name="lstm"),
        layers.GRU(7, return_sequences=True, reset_after=True, name="gru_after"),
        layers.SimpleRNN(5, activation="relu", return_sequences=True, name="rnn"),
        layers.Dense(4, activation="softmax", name="out"),
    ])), steps, 6
    yield "keras_gru_before_last_step", randomize(keras.Sequential([
        keras.Input((steps, 5)),
        layers.GRU(6, reset_after=False, name="gru_before"),
        layers.Dense(3, activation="tanh", name="dense"),
    ])), steps, 5
    yield "keras_lstm_nobias_dropout", randomize(keras.Sequential([
        keras.Input((steps, 4)),
        layers.LSTM(5, use_bias=False, return_sequences=True, name="lstm_nobias"),
        layers.Dropout(0.3),
        layers.Dense(2, name="linear"),
        layers.Softmax(name="softmax"),
    ])), steps, 4


def check_keras(args, scratch, report):
    rng = np.random.default_rng(11)
    for name, model, steps, features in keras_models():
        try:
            path = os.path.join(scratch, f"{name}.keras")
            model.save(path)
            prefix = os.path.join(scratch, name)
            run([sys.executable, os.path.join(REPO, "tools", "export", "export_keras.py"), path, "-o", prefix])
            x = rng.normal(0, 1, (steps, features)).astype(np.float32)
            np.save(prefix + "_x.npy", x)
            expected = np.asarray(model(x[None]))[0]
            ours = earshot_outputs(args.earshot, prefix + ".npz", prefix + ".json", prefix + "_x.npy", scratch, name)
            if expected.ndim == 1:
                expected = expected[None]
            diff = float(np.abs(ours - expected).max())
            report(diff <= 1e-5, f"{name}: earshot vs Keras max |d| {diff:.2e} <= 1e-5 "
                                 f"(output {list(ours.shape)})")
        except Exception as error:  # noqa: BLE001 - every failure is a reported check
            report(False, f"{name}: {error}")


def check_tf1(args, scratch, report):
    import tensorflow as tf

    data = os.path.join(args.shared, "data", "ml-kws")
    if not os.path.isdir(data):
        print(f"skipped TF1: {os.path.normpath(data)} is absent")
        return
    for model_name in ML_KWS:
        try:
            prefix = os.path.join(scratch, model_name)
            run([sys.executable, os.path.join(REPO, "tools", "export", "export_tf1.py"), os.path.join(data, "models", f"{model_name}.pb"),
                 "-o", prefix, "--labels", "@" + os.path.join(data, "labels.txt")])
            ours_manifest = json.load(open(prefix + ".json"))
            shipped = json.load(open(os.path.join(REPO, "tools", "manifests", "ml-kws", f"{model_name}.json")))

            def shape(manifest):
                return [(l["kind"], l.get("prefix"), l.get("weights"),
                         {k: v for k, v in l.get("attributes", {}).items() if k in ("num_units", "num_proj", "cell")})
                        for l in manifest["layers"] if l["kind"] != "softmax"]
            same = shape(ours_manifest) == shape(shipped) and ours_manifest["labels"] == shipped["labels"]
            reference = np.load(os.path.join(data, "reference", f"{model_name}_reference.npz"))
            mfcc = reference["mfcc"].astype(np.float32)
            np.save(prefix + "_mfcc.npy", mfcc)
            ours = earshot_outputs(args.earshot, prefix + ".npz", prefix + ".json", prefix + "_mfcc.npy", scratch, model_name)[:, 0, :]
            # TensorFlow itself, running the frozen graph from its Mfcc node.
            graph_def = tf.compat.v1.GraphDef()
            graph_def.ParseFromString(open(os.path.join(data, "models", f"{model_name}.pb"), "rb").read())
            graph = tf.Graph()
            with graph.as_default():
                tf.compat.v1.import_graph_def(graph_def, name="")
            with tf.compat.v1.Session(graph=graph) as session:
                theirs = np.concatenate([session.run("labels_softmax:0", {"Mfcc:0": mfcc[i:i + 1]}) for i in range(len(mfcc))])
            diff = float(np.abs(ours - theirs).max())
            report(same and diff <= 1e-4,
                   f"{model_name}: export_tf1 manifest {'matches' if same else 'DIFFERS FROM'} the shipped one; "
                   f"earshot vs TensorFlow max |dp| {diff:.2e} <= 1e-4 on {len(mfcc)} clips")
        except Exception as error:  # noqa: BLE001
            report(False, f"{model_name}: {error}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--earshot", default=os.path.join(REPO, ".build", "debug", "earshot"))
    parser.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    parser.add_argument("--only", choices=["keras", "tf1"], help="run one group")
    args = parser.parse_args()
    counts = {"passed": 0, "failed": 0}

    def report(ok, text):
        counts["passed" if ok else "failed"] += 1
        print(f"{'ok  ' if ok else 'FAIL'} {text}", flush=True)

    with tempfile.TemporaryDirectory(prefix="earshot-frameworks-") as scratch:
        if args.only in (None, "keras"):
            check_keras(args, scratch, report)
        if args.only in (None, "tf1"):
            check_tf1(args, scratch, report)
    print(f"{counts['passed']} passed, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
