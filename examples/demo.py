"""The demo run by `make demo`: a workspace, a few recorded steps, and their lineage.

It creates ./demo-workspace (replacing an earlier demo workspace), records a small training story
(three spans ingested and profiled, a model trained on them, evaluated and pushed) with real
artifacts in the artifact store, then prints the workspace status and the lineage of the pushed
model, as `driftline status` and `driftline lineage` draw them.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from pathlib import Path

from driftline.cli.main import main as driftline
from driftline.core.hashing import stable_json
from driftline.store.records import ContextRef, NewArtifact, NewExecution
from driftline.workspace import Workspace

HERE = Path.cwd() / "demo-workspace"


def put_json(ws: Workspace, kind: str, name: str, value: object) -> NewArtifact:
    stored = ws.artifacts.put_bytes(ws.artifacts.new_key(kind, name), stable_json(value).encode())
    return ws.new_artifact(kind, stored, name=name)


def step(
    ws: Workspace,
    kind: str,
    inputs: dict[str, list[int]],
    outputs: dict[str, NewArtifact],
    params: dict[str, object],
    contexts: list[ContextRef],
) -> dict[str, int]:
    done = ws.metadata.record_execution(
        NewExecution(kind=kind, parameters=params, code_version="demo-1"),
        inputs=inputs,
        outputs=outputs,
        contexts=contexts,
    )
    print(
        f"  recorded execution {done.execution.id:>3}  {kind:<9} -> "
        + ", ".join(f"{k}: artifact {v[0].id}" for k, v in done.outputs.items())
    )
    return {k: v[0].id for k, v in done.outputs.items()}


def run() -> int:
    if HERE.exists():
        shutil.rmtree(HERE)
    rng = random.Random(7)
    print(f"creating a workspace in {HERE}")
    with Workspace.init(HERE) as ws:
        run_ctx = ContextRef("run", "demo-run-1")
        data_ctx = ContextRef("dataset", "demo")
        spans: list[int] = []
        for n in range(1, 4):
            rows = [[round(rng.gauss(n, 1), 3), rng.randint(0, 1)] for _ in range(50)]
            raw = ws.artifacts.put_bytes(
                ws.artifacts.new_key("file", f"incoming-{n}.csv"),
                ("x,label\n" + "\n".join(f"{x},{y}" for x, y in rows)).encode(),
            )
            raw_id = ws.metadata.put_artifact(
                ws.new_artifact("file", raw, name=f"incoming-{n}.csv")
            ).id
            span = step(
                ws,
                "ingest",
                {"files": [raw_id]},
                {"span": put_json(ws, "span", f"demo#{n}", {"span": n, "rows": rows})},
                {"dataset": "demo", "span": n},
                [run_ctx, data_ctx],
            )["span"]
            step(
                ws,
                "profile",
                {"span": [span]},
                {
                    "profile": put_json(
                        ws, "profile", f"demo#{n}", {"mean": sum(r[0] for r in rows) / 50}
                    )
                },
                {},
                [run_ctx, data_ctx],
            )
            spans.append(span)
        model = step(
            ws,
            "train",
            {"spans": spans},
            {"model": put_json(ws, "model", "demo-model", {"threshold": 2.0})},
            {"window": 3},
            [run_ctx, ContextRef("model", "demo-model")],
        )["model"]
        evaluation = step(
            ws,
            "evaluate",
            {"model": [model], "span": [spans[-1]]},
            {"evaluation": put_json(ws, "evaluation", "demo-eval", {"accuracy": 0.81})},
            {"metric": "accuracy"},
            [run_ctx],
        )["evaluation"]
        pushed = step(
            ws,
            "push",
            {"model": [model], "evaluation": [evaluation]},
            {"version": put_json(ws, "model_version", "demo-model:1", {"version": 1})},
            {"alias": "champion"},
            [run_ctx, ContextRef("model", "demo-model")],
        )["version"]
    print()
    for args in (["status"], ["lineage", str(pushed), "--up"]):
        print(f"$ driftline {' '.join(args)} --workspace demo-workspace")
        try:
            driftline([*args, "--workspace", str(HERE)])
        except SystemExit as exc:
            if exc.code:
                return int(exc.code)
        print()
    print(json.dumps({"workspace": str(HERE), "model_version_artifact": pushed}))
    return 0


if __name__ == "__main__":
    sys.exit(run())
