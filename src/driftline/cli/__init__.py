"""The ``driftline`` command line: the composition root that reads settings and wires the stores."""
