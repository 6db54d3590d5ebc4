"""The dashboard: ``driftline ui``, a server-rendered web app over one workspace.

Pages (each with a JSON twin under ``/api``, listed in ``/api/openapi.json``):

==============  =====================================================================
``/``           the overview: models, champions, live accuracy, drift, rollouts, jobs
``/models/..``  a model: versions, aliases and their history, cards, live metrics
``/data/..``    datasets, spans, profiles, schemas, validation anomalies
``/runs/..``    pipeline runs, their step graph, parameters and artifacts
``/lineage/..`` the lineage graph up and down from an artifact
``/decisions``  trigger and rollout decisions, saved backtest reports
==============  =====================================================================

The app (:func:`driftline.ui.app.create_app`) reads the workspace only through the typed
queries of its services; it needs the ``ui`` extra (Starlette, Jinja2, plotly), imported only
when the app is built.
"""

from __future__ import annotations

__all__: list[str] = []
