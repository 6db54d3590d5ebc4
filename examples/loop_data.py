"""The data of the README's loop: three weeks of a machine's sensors, with drift from week 2.

Writes, in the current folder:

* ``week1.parquet``: 2,000 labelled rows (``temperature``, ``pressure``, ``vibration``, and
  ``fault``, 1 when the machine failed);
* ``week2.parquet``: 2,000 labelled rows after a new temperature sensor was fitted, which reads
  one degree higher (the machine fails as before; the model, which only sees the readings,
  raises false alarms);
* ``week3.jsonl``: week 3's traffic as it reaches the model server, two lines per request: an
  Open Inference Protocol request of 5 rows (its ``id`` is the request id), then the feedback
  that brings its labels.

Seeded: the same files every time.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

COLUMNS = ("temperature", "pressure", "vibration")
ROWS = 2000
REQUESTS = 120
ROWS_PER_REQUEST = 5


def week(rng: np.random.Generator, rows: int, drifted: bool) -> tuple[np.ndarray, np.ndarray]:
    """Sensor readings and whether the machine failed."""
    x = rng.normal(size=(rows, len(COLUMNS)))
    fault = x[:, 0] + x[:, 2] > 0.5  # hot and shaking
    if drifted:
        x[:, 0] += 1.0  # the new sensor reads one degree higher
    noise = rng.random(rows) < 0.05  # a few faults are recorded wrong
    return x.round(4), (fault ^ noise).astype(np.int64)


def table(x: np.ndarray, fault: np.ndarray) -> pa.Table:
    """The rows as a table with the label column ``fault``."""
    return pa.table({**{name: x[:, i] for i, name in enumerate(COLUMNS)}, "fault": fault})


def traffic(x: np.ndarray, fault: np.ndarray) -> list[str]:
    """Each request as one line, its feedback as the next."""
    lines = []
    for n in range(len(x) // ROWS_PER_REQUEST):
        rows = slice(n * ROWS_PER_REQUEST, (n + 1) * ROWS_PER_REQUEST)
        request_id = f"w3-{n:03d}"
        shape = [ROWS_PER_REQUEST, len(COLUMNS)]
        tensor = {"name": "sensors", "shape": shape, "datatype": "FP64", "data": x[rows].tolist()}
        lines.append(json.dumps({"id": request_id, "inputs": [tensor]}))
        lines.append(json.dumps({"labels": {request_id: fault[rows].tolist()}}))
    return lines


def main() -> None:
    rng = np.random.default_rng(0)
    pq.write_table(table(*week(rng, ROWS, drifted=False)), "week1.parquet")
    pq.write_table(table(*week(rng, ROWS, drifted=True)), "week2.parquet")
    lines = traffic(*week(rng, REQUESTS * ROWS_PER_REQUEST, drifted=True))
    with open("week3.jsonl", "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    print(
        f"wrote week1.parquet and week2.parquet ({ROWS} rows each), "
        f"week3.jsonl ({REQUESTS} requests of {ROWS_PER_REQUEST} rows, and their labels)"
    )


if __name__ == "__main__":
    main()
