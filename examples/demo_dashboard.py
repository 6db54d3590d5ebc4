"""`python examples/demo.py --ui`: the dashboard over the demo's workspace, open until Ctrl-C.

It serves `driftline.ui` with the demo's token, so the actions work once you sign in with it:
promote and roll back change the champion at once; a retrain is queued and run by the demo's
controller, which keeps ticking while the dashboard is open (its heartbeat is the overview's
"controller" line).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from driftline.controller.loop import Controller
from driftline.core.errors import ServiceError
from driftline.policy.model import load_policy
from driftline.rollout.requests import rollout_requester
from driftline.ui.app import create_app
from driftline.ui.server import UiServer
from driftline.workspace import Workspace

TICK_SECONDS = 10.0


def quiet(line: str) -> bool:
    """Whether the controller's line says only that nothing happened (not printed)."""
    return " not fired" in line or ") skipped" in line


def keep_dashboard_open(
    folder: Path, *, policy: Path, port: int, token: str, say: Callable[[str], None]
) -> None:
    """Serve the dashboard of the workspace at ``folder`` on 127.0.0.1 until Ctrl-C."""
    with Workspace.open(folder) as ws:
        controller = Controller(
            ws,
            load_policy(policy),
            base=folder,
            params={"requests": 50},
            rollouts=rollout_requester(ws.metadata),
            log=lambda line: quiet(line) or say(f"   controller: {line}"),
            where=policy.name,
        )

        def retrain(reason: str, by: str) -> dict[str, Any]:
            asked = controller.trigger(reason=reason, by=by)
            return {
                "done": f"retrain {asked.outcome}: job {asked.job.name}, run at the "
                f"controller's next tick (within {TICK_SECONDS:g} s)",
                "job": asked.job.name,
                "outcome": asked.outcome,
            }

        app = create_app(ws, token=token, user="demo", retrain=retrain)
        try:
            server = UiServer(app, port=port).start()
        except ServiceError:  # the port is taken (another dashboard?): any free one
            server = UiServer(create_app(ws, token=token, user="demo", retrain=retrain)).start()
        ticking = threading.Thread(
            target=controller.run_forever, args=(TICK_SECONDS,), name="demo-controller"
        )
        ticking.start()
        say(
            f"5. the dashboard: {server.url} (sign in with the token {token!r} to promote, roll "
            "back or retrain); Ctrl-C stops it"
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            say("   stopped")
        finally:
            controller.stop()
            ticking.join()
            server.stop()
