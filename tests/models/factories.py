"""Module factories for the torch flavor tests (importable as ``tests.models.factories:mlp``)."""

from __future__ import annotations

from typing import Any


def mlp(n_in: int, hidden: int = 8, n_out: int = 1) -> Any:
    import torch

    return torch.nn.Sequential(
        torch.nn.Linear(n_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, n_out)
    )


def double(x: Any) -> Any:
    """A user function: not on the skops allowlist."""
    return x * 2


def tiny(n_in: int) -> Any:
    """A second factory, not trusted by the test suite's fixture."""
    import torch

    return torch.nn.Linear(n_in, 1)
