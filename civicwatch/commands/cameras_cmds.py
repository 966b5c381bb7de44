"""``civicwatch cameras probe ADDRESS``: fill a camera's stream URLs from its ONVIF answers.

Asks the device (ONVIF Device ``GetServices``, Media ``GetProfiles``/``GetStreamUri``/``GetSnapshotUri``,
see :mod:`feeds.onvif_probe`) and prints one JSON object: every profile (encoding, size, URLs), the main
stream ``url`` (largest profile), the ``substream_url`` (smallest) and a ready ``feeds.cameras`` entry.
Credentials are read from the environment variables ``--username-env``/``--password-env`` name (never
given on the command line). With ``--camera CODE --write`` the registry row of that camera gets
``source_kind: rtsp`` and the main stream as ``source_url`` (the substream goes into ``feeds.cameras``).
"""
from __future__ import annotations

import json
import os

import click


@click.group()
def cameras() -> None:
    """Cameras: ask devices for their stream URLs."""


@cameras.command("probe")
@click.argument("address")
@click.option("--port", default=80, show_default=True, help="The device's ONVIF (HTTP) port.")
@click.option("--username-env", default=None, help="Environment variable holding the ONVIF user name.")
@click.option("--password-env", default=None, help="Environment variable holding the ONVIF password.")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds to wait for each answer.")
@click.option("--camera", "camera_code", default=None, help="Registry camera code the URLs are for.")
@click.option("--write", is_flag=True, help="Store the main stream as the camera's source_url (needs --camera).")
@click.pass_obj
def probe_cmd(obj, address, port, username_env, password_env, timeout, camera_code, write) -> None:
    """Ask the ONVIF device at ADDRESS for its stream and snapshot URLs; print them as JSON."""
    from feeds.onvif_probe import ProbeError, probe

    if write and not camera_code:
        raise click.UsageError("--write needs --camera CODE (the registry camera to update)")
    creds = {}
    for opt, name in (("--username-env", username_env), ("--password-env", password_env)):
        if name is not None and name not in os.environ:
            raise click.UsageError(f"{opt}: environment variable {name} is not set")
        creds[opt] = os.environ.get(name) if name else None
    try:
        result = probe(address, port, creds["--username-env"], creds["--password-env"], timeout)
    except ProbeError as exc:
        raise click.ClickException(str(exc)) from None
    out = result.as_dict()
    if out["url"] is None:
        raise click.ClickException(f"{address}:{port}: the device lists no media profile with a stream URL")
    entry = {"code": camera_code or "CAM-????", "kind": "rtsp", "url": out["url"]}
    if out["substream_url"]:
        entry["substream_url"] = out["substream_url"]
    if username_env:
        entry["username_env"] = username_env
    if password_env:
        entry["password_env"] = password_env
    out["feeds_camera"] = entry
    if write:
        out["written"] = _write(obj, camera_code, out["url"])
    click.echo(json.dumps(out, ensure_ascii=False))


def _write(obj, code: str, url: str) -> dict:
    from sqlalchemy import select

    from models.registry import Camera

    from .opened_database import opened_database

    with opened_database(obj) as ctx, ctx.sessions.begin() as s:
        cam = s.scalar(select(Camera).where(Camera.code == code))
        if cam is None:
            raise click.ClickException(f"--camera: no camera {code!r} in the registry")
        before = {"source_kind": cam.source_kind, "source_url": cam.source_url}
        cam.source_kind, cam.source_url = "rtsp", url
    return {"camera": code, "before": before, "after": {"source_kind": "rtsp", "source_url": url}}


def register(cli: click.Group) -> None:
    cli.add_command(cameras)
