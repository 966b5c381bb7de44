"""The ONNX detector plugin with a tiny YOLO-shaped model the test builds itself (onnx helper API)."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import onnx
from onnx import TensorProto, helper

from models.clock import LOCAL_TZ
from models.config import OnnxDetectorConfig
from models.detection.onnx_detector import OnnxDetector, decode_yolo, onnx_health
from models.detection.pipeline import CameraPipeline
from models.detection.problems import iou
from models.detection.zones import build_zones

from .helpers import ROAD, SIDEWALK, WALL, book, frame

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=LOCAL_TZ).timestamp()


def tiny_yolo(path, size=64):
    """A graph whose output is a fixed YOLOv8-layout tensor (1, 4 + 2 classes, 8 anchors) plus 0 × input."""
    out = np.zeros((1, 6, 8), np.float32)
    out[0, :4, 0] = [28, 40, 8, 8]        # cx, cy, w, h in input pixels → box 24..32 × 36..44
    out[0, 4, 0] = 0.9                    # class 0 score
    out[0, :4, 1] = [10, 10, 4, 4]
    out[0, 5, 1] = 0.2                    # below threshold
    const = helper.make_tensor("fixed", TensorProto.FLOAT, out.shape, out.flatten().tolist())
    zero = helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])
    nodes = [
        helper.make_node("ReduceSum", ["images"], ["s"], keepdims=0),
        helper.make_node("Mul", ["s", "zero"], ["z"]),
        helper.make_node("Add", ["fixed", "z"], ["output0"]),
    ]
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("images", TensorProto.FLOAT,
                                                                             [1, 3, size, size])],
                              [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 6, 8])],
                              initializer=[const, zero])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def test_decode_both_layouts():
    v8 = np.zeros((1, 6, 8), np.float32)  # (4 + classes, anchors); anchors outnumber channels
    v8[0, :, 0] = [10, 10, 4, 4, 0.1, 0.8]
    boxes, scores, cls = decode_yolo(v8, 0.5)
    assert cls.tolist() == [1] and np.allclose(boxes[0], [8, 8, 12, 12])
    v5 = np.zeros((1, 3, 7), np.float32)
    v5[0, 0] = [10, 10, 4, 4, 0.9, 0.9, 0.1]
    boxes, scores, cls = decode_yolo(v5, 0.5)
    assert cls.tolist() == [0] and abs(scores[0] - 0.81) < 1e-6


def test_onnx_detection_goes_through_zones_and_dwell(tmp_path):
    path = tmp_path / "tiny.onnx"
    tiny_yolo(path)
    cfg = OnnxDetectorConfig(name="tiny", model_path=str(path), input_size=64, class_map={"0": "乱堆物料"})
    b = book()
    zones = build_zones([WALL, SIDEWALK, ROAD], b)
    det = OnnxDetector(zones, cfg, b)
    assert det.health()["ok"]
    hits = det.infer(frame(0))
    assert len(hits) == 1 and iou(hits[0][0], (24 / 64, 36 / 64, 32 / 64, 44 / 64)) > 0.99
    pipe = CameraPipeline("CAM-T", zones, detectors=(), extra_detectors=[det], learn_s=4, keep_evidence=False)
    raised = []
    for i in range(30):
        res = pipe.process(frame(i * 2.0), NOON + i * 2.0)
        raised += [(p, i * 2.0) for p in res.confirmed]
    assert len(raised) == 1
    p, t = raised[0]
    assert p.type.name == "乱堆物料" and p.zone == "人行道" and t >= 30  # dwell 30 s of the type


def test_missing_model_is_off_with_a_clear_message(tmp_path):
    cfg = OnnxDetectorConfig(name="absent", model_path=str(tmp_path / "nope.onnx"), class_map={"0": "乱堆物料"})
    (health,) = onnx_health([cfg])
    assert health["on"] is False and "nope.onnx" in health["message"] and "关闭" in health["message"]
    det = OnnxDetector([], cfg, book())
    assert det.detect(None) == []
