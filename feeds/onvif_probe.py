"""Ask an ONVIF camera for its stream and snapshot URLs (ONVIF Media ``GetStreamUri``/``GetSnapshotUri``).

Uses the kept ``onvif-zeep-async`` client (its own WSDLs; WS-Security UsernameToken digest). The device
service's ``GetServices`` locates the media service; every media profile is listed with its encoding and
size; the largest profile is the main stream, the smallest the substream (子码流, preferred for analysis).
URLs come back without credentials (the ``rtsp`` adapter injects them from the environment).
"""
from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field

from .base import mask_url


class ProbeError(Exception):
    """The camera could not be probed; the message says what failed (never the password)."""


@dataclass
class MediaProfile:
    token: str
    name: str
    encoding: str | None
    width: int | None
    height: int | None
    stream_uri: str | None
    snapshot_uri: str | None


@dataclass
class ProbeResult:
    address: str
    port: int
    profiles: list[MediaProfile] = field(default_factory=list)

    def _by_size(self) -> list[MediaProfile]:
        usable = [p for p in self.profiles if p.stream_uri]
        return sorted(usable, key=lambda p: (p.width or 0) * (p.height or 0))

    @property
    def main(self) -> MediaProfile | None:
        ordered = self._by_size()
        return ordered[-1] if ordered else None

    @property
    def substream(self) -> MediaProfile | None:
        ordered = self._by_size()
        return ordered[0] if len(ordered) > 1 else None

    def as_dict(self) -> dict:
        main, sub = self.main, self.substream
        snapshot = next((p.snapshot_uri for p in ([main] if main else []) + self.profiles if p and p.snapshot_uri),
                        None)
        return {"address": self.address, "port": self.port, "profiles": [asdict(p) for p in self.profiles],
                "url": main.stream_uri if main else None, "substream_url": sub.stream_uri if sub else None,
                "snapshot_url": snapshot}


def _text(value) -> str | None:
    return None if value is None else str(value)


async def _probe(address: str, port: int, username: str | None, password: str | None,
                 timeout_s: float) -> ProbeResult:
    from onvif import ONVIFCamera

    cam = ONVIFCamera(address, port, username, password)
    try:
        await asyncio.wait_for(cam.update_xaddrs(), timeout_s)
        media = await cam.create_media_service()
        profiles = await asyncio.wait_for(media.GetProfiles(), timeout_s)
        result = ProbeResult(address, port)
        for prof in profiles or []:
            token = prof.token
            enc = getattr(prof, "VideoEncoderConfiguration", None)
            res = getattr(enc, "Resolution", None) if enc is not None else None
            stream = await asyncio.wait_for(media.GetStreamUri({
                "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
                "ProfileToken": token}), timeout_s)
            try:
                snap = await asyncio.wait_for(media.GetSnapshotUri({"ProfileToken": token}), timeout_s)
            except Exception:  # noqa: BLE001 - snapshots are optional in ONVIF Profile S
                snap = None
            result.profiles.append(MediaProfile(
                token=str(token), name=_text(getattr(prof, "Name", None)) or str(token),
                encoding=_text(getattr(enc, "Encoding", None)) if enc is not None else None,
                width=int(res.Width) if res is not None and res.Width else None,
                height=int(res.Height) if res is not None and res.Height else None,
                stream_uri=_text(getattr(stream, "Uri", None)), snapshot_uri=_text(getattr(snap, "Uri", None))))
        return result
    finally:
        await cam.close()


def probe(address: str, port: int = 80, username: str | None = None, password: str | None = None,
          timeout_s: float = 10.0) -> ProbeResult:
    """The media profiles of the ONVIF device at ``address:port`` with their stream/snapshot URLs."""
    try:
        return asyncio.run(_probe(address, port, username, password, timeout_s))
    except ProbeError:
        raise
    except TimeoutError:
        raise ProbeError(f"{address}:{port}: no ONVIF answer within {timeout_s:g} s") from None
    except Exception as exc:  # noqa: BLE001 - zeep/httpx/ONVIF errors become one clear message
        text = str(exc)
        for secret in (password, username if password else None):
            if secret:
                text = text.replace(secret, "***")
        raise ProbeError(f"{address}:{port}: ONVIF probe failed ({type(exc).__name__}: {mask_url(text)[:200]})") \
            from None
