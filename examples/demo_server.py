"""The demo's model server, in a process of its own: `python demo_server.py WORKSPACE PORT`.

It serves the workspace's registered models on 127.0.0.1 as `driftline serve` does (prediction
log, feedback, rollouts), looking for new rollouts every 0.2 s so that a canary starts with the
next request. The admin token comes from $DRIFTLINE_SERVE_TOKEN. A request predicts one image: one
OpenMP thread per pool does it fastest (a pool of two threads that wait for each other makes
every request several times slower on a busy machine).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # read when scikit-learn is first imported
    import uvicorn

    from driftline.serving.workspace_app import build_app
    from driftline.workspace import Workspace

    folder, port = Path(argv[0]), int(argv[1])
    with Workspace.open(folder) as ws:
        app = build_app(
            ws.metadata,
            ws.artifacts,
            token=os.environ["DRIFTLINE_SERVE_TOKEN"],
            poll_seconds=0.2,
        )
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws="none")


if __name__ == "__main__":
    main(sys.argv[1:])
