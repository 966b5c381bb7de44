"""Signal ``onnx:<class>``: a user-supplied ONNX object detector (YOLO family), off when the file is absent.

Configured in ``detection.onnx_detectors`` (name, model_path, input_size, thresholds, class_map). The
network's output is decoded in either YOLO layout — ``(1, 4 + classes, N)`` (v8 and later: cx, cy, w, h,
class scores) or ``(1, N, 5 + classes)`` (v5: cx, cy, w, h, objectness, class scores) — in input pixels,
then non-maximum suppression. Each detection whose class maps (by class name or index) to a problem type
becomes an observation in the zone holding the bottom centre of its box, if that zone checks the type;
the usual dwell and confirmation rules then apply. Without the model file (or onnxruntime) the detector
is off and its health entry says why.
"""
from __future__ import annotations

import ast
import logging
import threading
from pathlib import Path

import cv2
import numpy as np

from .plugins import FrameContext, register_detector
from .problems import Observation
from .types import TypeBook

log = logging.getLogger(__name__)
_sessions: dict[str, object] = {}
_lock = threading.Lock()


def _session(path: str):
    with _lock:
        if path not in _sessions:
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1
            _sessions[path] = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        return _sessions[path]


def model_state(cfg) -> tuple[bool, str]:
    """``(usable, message)`` for one configured model."""
    if not Path(cfg.model_path).is_file():
        return False, f"模型文件不存在，检测器已关闭 / model file not found, detector off: {cfg.model_path}"
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False, "未安装 onnxruntime，检测器已关闭 / onnxruntime not installed, detector off"
    return True, "已启用 / on"


def onnx_health(cfgs) -> list[dict]:
    return [{"name": c.name, "model_path": c.model_path, "on": model_state(c)[0], "message": model_state(c)[1]}
            for c in cfgs]


def decode_yolo(output: np.ndarray, score_threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """YOLO output → ``(boxes xyxy in input pixels, scores, class ids)`` before NMS."""
    out = np.asarray(output, dtype=np.float32)
    if out.ndim == 3:
        out = out[0]
    if out.ndim != 2:
        raise ValueError(f"unexpected YOLO output shape {output.shape}")
    # v8 layout is (4 + nc, N) with N large; v5 is (N, 5 + nc)
    if out.shape[0] < out.shape[1] and out.shape[0] >= 5:
        rows = out.T
        cls_scores = rows[:, 4:]
        v5 = False
    else:
        rows = out
        v5 = True
        cls_scores = rows[:, 5:] * rows[:, 4:5]
    if cls_scores.shape[1] == 0:
        return np.zeros((0, 4)), np.zeros(0), np.zeros(0, int)
    cls = cls_scores.argmax(axis=1)
    score = cls_scores[np.arange(len(cls)), cls]
    keep = score >= score_threshold
    cx, cy, w, h = rows[keep, 0], rows[keep, 1], rows[keep, 2], rows[keep, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    _ = v5
    return boxes, score[keep], cls[keep]


@register_detector("onnx")
class OnnxDetector:
    """One configured ONNX model on one camera."""

    def __init__(self, zones, config=None, book: TypeBook | None = None):
        self.cfg = config
        self.zones = zones
        self.on, self.message = model_state(config)
        self.class_names: dict[int, str] = {}
        self.type_of: dict[str, object] = {}
        if book is not None:
            for cls_ref, type_ref in config.class_map.items():
                t = book.get(type_ref)
                if t is None:
                    self.on, self.message = False, f"class_map: unknown problem type {type_ref!r}"
                else:
                    self.type_of[str(cls_ref)] = t
        if self.on:
            try:
                sess = _session(config.model_path)
                meta = sess.get_modelmeta().custom_metadata_map or {}
                if "names" in meta:
                    names = ast.literal_eval(meta["names"])
                    self.class_names = {int(k): str(v) for k, v in dict(names).items()}
            except Exception as exc:  # noqa: BLE001 - a broken model file switches the detector off
                self.on, self.message = False, f"模型无法加载 / model cannot be loaded: {type(exc).__name__}: {exc}"

    def health(self) -> dict:
        return {"ok": self.on, "message": self.message}

    def infer(self, frame: np.ndarray) -> list[tuple[tuple[float, float, float, float], float, int]]:
        """Relative boxes, scores and class ids on a BGR frame (after NMS)."""
        size = self.cfg.input_size
        sess = _session(self.cfg.model_path)
        blob = cv2.resize(frame, (size, size))[:, :, ::-1].astype(np.float32) / 255.0
        blob = np.ascontiguousarray(blob.transpose(2, 0, 1)[None])
        inp = sess.get_inputs()[0].name
        output = sess.run(None, {inp: blob})[0]
        boxes, scores, classes = decode_yolo(output, self.cfg.score_threshold)
        if len(boxes) == 0:
            return []
        xywh = [[float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])] for b in boxes]
        idx = cv2.dnn.NMSBoxes(xywh, [float(s) for s in scores], self.cfg.score_threshold, self.cfg.nms_threshold)
        out = []
        for i in np.array(idx).reshape(-1):
            x1, y1, x2, y2 = (float(np.clip(v / size, 0, 1)) for v in boxes[i])
            out.append(((x1, y1, x2, y2), float(scores[i]), int(classes[i])))
        return out

    def detect(self, fc: FrameContext) -> list[Observation]:
        if not self.on:
            return []
        image = fc.original if fc.original is not None else fc.frame
        obs = []
        for box, score, cls in self.infer(image):
            name = self.class_names.get(cls, str(cls))
            t = self.type_of.get(name) or self.type_of.get(str(cls))
            if t is None:
                continue
            bx, by = (box[0] + box[2]) / 2, box[3]
            H, W = fc.zones.label.shape
            label = int(fc.zones.label[min(H - 1, int(by * H)), min(W - 1, int(bx * W))])
            if label == 0:
                continue
            zone = fc.zones.zones[label - 1]
            if t not in zone.types or not zone.active_for(t, fc.local):
                continue
            obs.append(Observation(t, zone.name, box, round(score, 3), fc.t, f"onnx:{name}"))
        return obs


def onnx_detectors_for(cfgs, zones, book: TypeBook) -> list[OnnxDetector]:
    """The usable ONNX detectors of the config for one camera (models without a file are skipped)."""
    out = []
    for cfg in cfgs:
        det = OnnxDetector(zones, cfg, book)
        if det.on:
            out.append(det)
    return out
