"""Problem-detection section: analysis size, evidence store, optional trained models."""
from __future__ import annotations

from pydantic import Field

from .base import Section


class OnnxDetectorConfig(Section):
    """A user-supplied ONNX object detector (YOLO-family output). Off when the file is absent."""

    name: str = Field(..., min_length=1, description="Name of this detector (shown on the health page).")
    model_path: str = Field(..., description="Path to the .onnx file (never downloaded).")
    input_size: int = Field(640, gt=0, description="Square input size of the network.")
    score_threshold: float = Field(0.4, gt=0, le=1, description="Minimum class score.")
    nms_threshold: float = Field(0.45, gt=0, le=1, description="Non-maximum suppression IoU threshold.")
    class_map: dict[str, str] = Field(
        default_factory=dict, description="Detector class name or index → problem type code or Chinese name."
    )


class DetectionConfig(Section):
    """How frames become problems."""

    analysis_width: int = Field(320, ge=64, description="Frames are analysed at this width (keeps aspect).")
    workers: int = Field(1, gt=0, description="Threads analysing frames in the embedded process.")
    evidence_dir: str = Field("{data_dir}/evidence", description="Where evidence JPEGs are stored by hash.")
    evidence_retention_days: int = Field(365, gt=0, description="Evidence of closed cases is kept this long.")
    evidence_min_free_mb: int = Field(
        200, ge=0, description="Below this much free disk, evidence is not written (pipeline keeps running)."
    )
    onnx_detectors: list[OnnxDetectorConfig] = Field(default_factory=list)
