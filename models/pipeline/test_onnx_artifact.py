import hashlib
import json

import lightgbm as lgb
import numpy as np

from onnx_artifact import check_parity, export_lambdarank, manifest_contract


def test_a_lambdarank_booster_exports_to_onnx_that_reproduces_its_scores(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((200, 4)).astype(np.float32)
    y = (x[:, 0] * 3).astype(int)
    params = {"objective": "lambdarank", "num_leaves": 4, "min_data_in_leaf": 5, "verbose": -1, "num_threads": 1}
    booster = lgb.train(params, lgb.Dataset(x, y, group=[20] * 10), num_boost_round=10)
    export_lambdarank(booster, 4, tmp_path / "model.onnx", "test@1")
    session, max_diff = check_parity(tmp_path, x[:16], booster.predict(x[:16]))
    assert max_diff < 1e-4
    assert session.get_inputs()[0].name == "input"
    parity = json.loads((tmp_path / "parity.json").read_text())
    assert len(parity["features"]) == 16 and len(parity["lightgbm_scores"]) == 16
    # Named, not a random id: the same booster gives the same bytes.
    export_lambdarank(booster, 4, tmp_path / "again.onnx", "test@1")
    assert (tmp_path / "model.onnx").read_bytes() == (tmp_path / "again.onnx").read_bytes()
    # What the services check before loading it (ranking/src/onnx-scoring.ts).
    spec = tmp_path / "spec.json"
    spec.write_text('{"features": []}')
    contract = manifest_contract("test", "1", spec, ["a", "b", "c", "d"], session)
    assert contract["feature_spec_sha256"] == hashlib.sha256(spec.read_bytes()).hexdigest()
    assert (contract["input_name"], contract["feature_names"]) == ("input", ["a", "b", "c", "d"])
    assert contract["output_name"] == session.get_outputs()[0].name
