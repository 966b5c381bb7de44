"""``civicwatch run``: the whole product in one process from one config."""
from __future__ import annotations

import click

from civicwatch import runtime


@click.command("run")
@click.option("--host", default=None, help="Address to listen on (default: server.host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: server.port, 8050).")
@click.option("--no-pipeline", is_flag=True, help="Serve the pages and API only (no cameras, no detection).")
@click.pass_obj
def run(obj, host: str | None, port: int | None, no_pipeline: bool) -> None:
    """Run CivicWatch: cameras, detection, workflow and the web server."""
    cfg = obj.config()
    host = host or cfg.server.host
    port = port or cfg.server.port
    ctx = runtime.prepare(cfg, echo=click.echo)
    creds = runtime.first_start_credentials(ctx)
    base = cfg.server.public_url or f"http://{host}:{port}"
    click.echo("")
    click.echo("CivicWatch 漳州精神文明建设平台 is starting" + (" (演示数据 demo data)" if cfg.demo else ""))
    click.echo(f"  大屏 wall display : {base}/wall?token={creds['wall_token']}")
    click.echo(f"  登录 login        : {base}/login")
    click.echo(f"  随手拍 report form: {base}/report")
    click.echo(f"  健康 health       : {base}/healthz")
    if "admin_password" in creds:
        click.echo(f"  first admin: user 'admin', one-time password {creds['admin_password']} "
                   "(shown once; change it after logging in, or create your own with `civicwatch user add`)")
    click.echo("")
    try:
        if not no_pipeline:
            runtime.start_services(ctx)
        runtime.serve(ctx, host, port)
    except KeyboardInterrupt:
        pass
    finally:
        ctx.stop()


def register(cli: click.Group) -> None:
    cli.add_command(run)
