#!/usr/bin/python3
"""A real RTSP camera on loopback for tests and manual trials (GStreamer's RTSP server).

Run with Debian's ``/usr/bin/python3`` (the GI bindings are not in the venv; installed by
``scripts/setup.sh --test``: python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-{base,good,ugly})::

    /usr/bin/python3 scripts/rtsp_test_server.py --port 0 --path /cam

Serves ``rtsp://127.0.0.1:PORT/cam`` (H.264: SMPTE bars with a bouncing ball, or still bars with ``--static``)
and prints ``READY rtsp://127.0.0.1:PORT/cam`` on stdout once listening. With ``--user``/``--password``
the stream requires RTSP basic authentication. With ``--object hidden`` a still orange box (a thing left in
the street, lower right) is part of the picture but invisible until the server gets SIGUSR1; with
``--object shown`` it is there from the start; SIGUSR2 takes it away again (the thing cleared up). Stops on
SIGTERM/SIGINT. Binds 127.0.0.1 only.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="TCP port (0: any free port)")
    ap.add_argument("--path", default="/cam")
    ap.add_argument("--width", type=int, default=320)
    ap.add_argument("--height", type=int, default=240)
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--static", action="store_true", help="a still pattern (decoded frames repeat exactly)")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--object", choices=["none", "hidden", "shown"], default="none",
                    help="a still box in the lower right: hidden until SIGUSR1, or shown from the start; "
                    "SIGUSR2 hides it again")
    args = ap.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    caps = f"video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1"
    # A still SMPTE picture with (unless --static) a small bouncing ball over it: the picture changes
    # every frame but the view itself does not move (a scrolling pattern would look like a turned camera).
    ball = "" if args.static else (
        f" videotestsrc is-live=true pattern=ball ! video/x-raw,width={args.width // 5},height={args.height // 5},"
        f"framerate={args.fps}/1 ! mix."
    )
    thing = "" if args.object == "none" else (
        f" videotestsrc is-live=true pattern=solid-color foreground-color=0xffff8000 ! video/x-raw,"
        f"width={args.width // 8},height={args.height // 8},framerate={args.fps}/1 ! mix.sink_2"
    )
    thing_pos = "" if args.object == "none" else (
        f"sink_2::xpos={args.width * 6 // 10} sink_2::ypos={args.height * 62 // 100} "
        f"sink_2::alpha={0.0 if args.object == 'hidden' else 1.0} "
    )
    launch = (
        f"( compositor name=mix sink_1::xpos={args.width // 10} sink_1::ypos={args.height // 10} {thing_pos}! {caps} "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.fps * 2} "
        f"! rtph264pay name=pay0 pt=96 config-interval=1 "
        f"videotestsrc is-live=true pattern=smpte ! {caps} ! mix.{ball}{thing} )"
    )
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(True)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        basic = GstRtspServer.RTSPAuth.make_basic(args.user, args.password or "")
        auth.add_basic(basic, token)
        server.set_auth(auth)
        perms = GstRtspServer.RTSPPermissions()
        perms.add_permission_for_role("user", "media.factory.access", True)
        perms.add_permission_for_role("user", "media.factory.construct", True)
        factory.set_permissions(perms)
    shown = {"on": args.object == "shown", "pads": []}

    def configured(_factory, media) -> None:
        pad = media.get_element().get_by_name("mix").get_static_pad("sink_2")
        if pad is not None:
            shown["pads"].append(pad)
            pad.set_property("alpha", 1.0 if shown["on"] else 0.0)

    def show(on: bool = True) -> bool:
        shown["on"] = on
        for pad in shown["pads"]:
            pad.set_property("alpha", 1.0 if on else 0.0)
        return True

    if args.object != "none":
        factory.connect("media-configure", configured)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, show)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR2, lambda: show(False))
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print(f"ERROR cannot listen on 127.0.0.1:{args.port}", flush=True)
        return 1
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY rtsp://127.0.0.1:{server.get_bound_port()}{args.path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
