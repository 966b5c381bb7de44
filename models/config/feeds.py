"""Camera feeds section: sampling, hand-off to detection, health thresholds, per-camera sources."""
from __future__ import annotations

from typing import Any

from pydantic import Field

from .base import Section


class CameraSource(Section):
    """Where one camera's frames come from. Overrides the source stored in the registry for that code."""

    code: str = Field(..., min_length=1, description="Camera code as in the registry (e.g. `CAM-0001`).")
    kind: str = Field(
        ..., description="Adapter name: rtsp, http_snapshot, mjpeg, file, folder or simulated."
    )
    url: str | None = Field(None, description="Stream URL, snapshot URL, file path or folder path.")
    substream_url: str | None = Field(None, description="Lower-resolution stream preferred by the rtsp adapter.")
    username_env: str | None = Field(None, description="Environment variable holding the user name.")
    password_env: str | None = Field(None, description="Environment variable holding the password.")
    sample_every_s: float | None = Field(None, gt=0, description="Sampling interval for this camera (seconds).")
    options: dict[str, Any] = Field(default_factory=dict, description="Adapter-specific options.")


class BackoffConfig(Section):
    """Reconnect delays after a camera goes away."""

    initial_s: float = Field(1.0, gt=0, description="First reconnect delay.")
    max_s: float = Field(60.0, gt=0, description="Cap on the reconnect delay.")
    factor: float = Field(2.0, ge=1, description="Delay multiplier after each failed attempt.")


class HealthConfig(Section):
    """Thresholds of the camera health classifier."""

    offline_after_s: float = Field(10.0, gt=0, description="No frame for this long: offline.")
    frozen_after_frames: int = Field(5, gt=1, description="Identical frames in a row: frozen.")
    black_mean_below: float = Field(18.0, ge=0, le=255, description="Mean brightness below this: black.")
    washed_out_mean_above: float = Field(240.0, ge=0, le=255, description="Mean brightness above this: washed out.")
    blur_variance_below: float = Field(25.0, ge=0, description="Laplacian variance below this: blurred.")
    tamper_similarity_below: float = Field(
        0.45, ge=0, le=1, description="Similarity to the reference view below this: tampered (moved/covered)."
    )


class FeedsConfig(Section):
    """How cameras are sampled and their frames handed to detection."""

    default_sample_every_s: float = Field(2.0, gt=0, description="Sampling interval of cameras that set none.")
    jitter_s: float | None = Field(
        None, ge=0, description="Spread of first-fire offsets; default: the whole sampling interval."
    )
    queue_size: int = Field(
        512, gt=0, description="Frames waiting for detection; when full the oldest is dropped and counted."
    )
    scheduler_threads: int = Field(32, gt=0, description="Threads that fetch frames from cameras.")
    backoff: BackoffConfig = Field(default_factory=BackoffConfig)
    health: HealthConfig = Field(default_factory=HealthConfig)
    cameras: list[CameraSource] = Field(
        default_factory=list, description="Per-camera source overrides (real cameras go here)."
    )


class SimulatorConfig(Section):
    """The simulated city: every camera renders its own street scene (pixels only, never events)."""

    enabled: bool = Field(True, description="Cameras with no other source render a simulated street.")
    seed: int = Field(2024, description="Seed of the scripted problems and faults (the ground truth).")
    width: int = Field(1280, gt=0, description="Frame width in pixels.")
    height: int = Field(720, gt=0, description="Frame height in pixels.")
    problems_per_camera_day: float = Field(
        4.0, ge=0, description="Mean number of scripted problems per camera per day."
    )
    faults_per_camera_day: float = Field(0.3, ge=0, description="Mean number of scripted camera faults per day.")
    time_scale: float = Field(1.0, gt=0, description="Simulated seconds per wall-clock second (demo speed-up).")
