"""Subprocess half of the kill -9 test: ``python -m tests.models.notify.kill_helper CONFIG PHASE``.

Phases: ``transition`` commits a 交办 (its outbox rows with it) and kills itself at once with SIGKILL;
``claim`` runs the sender and kills itself after claiming a message, before sending it; ``deliver`` runs
the sender as a restarted process would once the claim's lease has passed, printing its counts as JSON.
"""
from __future__ import annotations

import json
import os
import signal
import sys
from datetime import timedelta

from models.clock import utcnow
from models.config import load_config
from models.context import AppContext
from models.notify.service import deliver_once
from models.notify.settings import bind_ctx


def main(config_path: str, phase: str) -> None:
    ctx = AppContext.from_config(load_config(config_path))
    bind_ctx(ctx)
    if phase == "transition":
        from tests.models.notify.conftest import new_dispatched

        code = new_dispatched(ctx, at=utcnow())
        print(code, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    elif phase == "claim":
        from models.notify.service import channels_for
        from models.notify.sender import deliver_due

        def die(_message):
            os.kill(os.getpid(), signal.SIGKILL)

        deliver_due(ctx.sessions, ctx.config.notify, channels_for(ctx), before_send=die)
        print("not killed: nothing was due", flush=True)
    elif phase == "deliver":
        later = utcnow() + timedelta(seconds=ctx.config.notify.lease_s + 1)
        print(json.dumps(deliver_once(ctx, now=later)), flush=True)
    ctx.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
