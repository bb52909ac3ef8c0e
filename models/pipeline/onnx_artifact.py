"""A LightGBM lambdarank booster as the ONNX model the services load, checked against LightGBM.

Shared by the search ranker (train.py) and the feed ranker (train_feed.py): one conversion, one parity rule.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import lightgbm as lgb
import numpy as np

# onnxruntime must reproduce LightGBM's scores to this much, or the artifact is refused.
MAX_PARITY_DIFF = 1e-4


def export_lambdarank(booster: lgb.Booster, n_features: int, path: Path, graph_name: str) -> None:
    import onnxmltools
    from onnxmltools.convert.common.data_types import FloatTensorType

    # onnxmltools converts tree ensembles by objective; a lambdarank score is the plain sum of tree
    # outputs, exactly what the regression converter emits, so convert it as one.
    model_str = booster.model_to_string().replace("objective=lambdarank", "objective=regression")
    onnx_model = onnxmltools.convert_lightgbm(lgb.Booster(model_str=model_str),
                                              initial_types=[("input", FloatTensorType([None, n_features]))],
                                              target_opset=15, zipmap=False)
    # onnxmltools names the graph with a random id: the same rows would give different bytes.
    onnx_model.graph.name = graph_name
    path.write_bytes(onnx_model.SerializeToString())


def check_parity(out: Path, sample: np.ndarray, lgb_scores: np.ndarray):
    """onnxruntime's scores for `sample` against LightGBM's; writes parity.json for the TypeScript parity test.

    Returns the session (its input and output names go into the manifest) and the largest difference.
    """
    import onnxruntime as ort

    session = ort.InferenceSession(str(out / "model.onnx"))
    onnx_scores = session.run(None, {"input": sample})[0].reshape(-1)
    max_diff = float(np.max(np.abs(onnx_scores - lgb_scores)))
    assert max_diff < MAX_PARITY_DIFF, f"ONNX and LightGBM disagree by {max_diff}"
    (out / "parity.json").write_text(json.dumps({"features": sample.tolist(), "lightgbm_scores": lgb_scores.tolist()}))
    return session, max_diff


def manifest_contract(name: str, version: str, spec_path: Path, names: list[str], session) -> dict:
    """The manifest fields a service checks before it loads a model (ranking/src/onnx-scoring.ts).

    The feature spec's hash and column names (a model trained on another spec is refused) and the ONNX
    graph's input and output names; the caller adds its metrics and training data.
    """
    return {
        "name": name,
        "version": version,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "feature_spec_sha256": hashlib.sha256(spec_path.read_bytes()).hexdigest(),
        "feature_names": names,
        "input_name": session.get_inputs()[0].name,
        "output_name": session.get_outputs()[0].name,
    }
