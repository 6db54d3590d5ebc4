"""The exact names a skops file may use, by what loading does with each one.

A skops file is a tree of nodes; each node names a type or function (``module.name``) and skops
imports that name when it builds the node. What happens next depends on the node's kind: a
class is built from its saved state, a function is only referenced, a few kinds call the name
with arguments taken from the file. So the allowlist is not one set of names but one per role
(:class:`SkopsAllowlist`), and :mod:`driftline.models.skops_audit` checks every node against
the set for its kind. The names are exact (no prefix, no module wildcard) and are worked out
once per process, from the installed libraries:

* **estimators**: every class :func:`sklearn.utils.all_estimators` lists (classes only, each
  checked with ``isinstance(obj, type)``), built from its saved attributes, never called;
* **helpers**: the classes fitted estimators hold, each listed in :data:`HELPERS` with why it is
  data and not behaviour (trees, histogram-boosting predictors and binners, losses and links,
  neighbour trees and distance metrics, Gaussian-process kernels, calibrators, optimiser state);
* **what skops trusts by default**: builtin containers and scalars, numpy arrays and scalar
  types, ``numpy.dtype``, ``RandomState`` and ``Generator`` with numpy's bit generators, scipy
  sparse arrays, and the numpy and ``scipy.special`` ufuncs (as functions: referenced only).

A name missing from the installed version is left out, so the lists differ between library
versions but not between runs.

Examples:
    >>> allowed = skops_allowlist()
    >>> "sklearn.linear_model._logistic.LogisticRegression" in allowed.objects
    True
    >>> "numpy.testing._private.utils.runstring" in allowed.every_name()
    False
    >>> "numpy.tanh" in allowed.functions, "numpy.tanh" in allowed.objects
    (True, False)

"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import Any

__all__ = ["HELPERS", "SkopsAllowlist", "skops_allowlist"]

_LOSSES: tuple[str, ...] = (
    "AbsoluteError",
    "ExponentialLoss",
    "HalfBinomialLoss",
    "HalfGammaLoss",
    "HalfMultinomialLoss",
    "HalfPoissonLoss",
    "HalfSquaredError",
    "HalfTweedieLoss",
    "HalfTweedieLossIdentity",
    "HuberLoss",
    "PinballLoss",
)
_LINKS = ("HalfLogitLink", "IdentityLink", "Interval", "LogLink", "LogitLink", "MultinomialLogit")
_KERNELS: tuple[str, ...] = (
    "CompoundKernel",
    "ConstantKernel",
    "DotProduct",
    "ExpSineSquared",
    "Exponentiation",
    "Matern",
    "PairwiseKernel",
    "Product",
    "RBF",
    "RationalQuadratic",
    "Sum",
    "WhiteKernel",
)
_METRICS: tuple[str, ...] = (
    "BrayCurtis",
    "Canberra",
    "Chebyshev",
    "Dice",
    "Euclidean",
    "Hamming",
    "Haversine",
    "Jaccard",
    "Kulsinski",
    "Mahalanobis",
    "Manhattan",
    "Matching",
    "Minkowski",
    "RogersTanimoto",
    "RussellRao",
    "SEuclidean",
    "SokalMichener",
    "SokalSneath",
)
_SGD_LOSSES: tuple[str, ...] = (
    "EpsilonInsensitive",
    "Hinge",
    "Huber",
    "Log",
    "ModifiedHuber",
    "SquaredEpsilonInsensitive",
    "SquaredHinge",
    "SquaredLoss",
)

HELPERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",),
        "a histogram-boosting tree: arrays of nodes and category bitsets (checked after loading)",
    ),
    (
        ("sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",),
        "bin thresholds and category lists of a histogram-boosting model",
    ),
    (
        tuple(f"sklearn._loss.loss.{name}" for name in _LOSSES),
        "a loss: a link object, an interval and a few numbers (power, quantile)",
    ),
    (
        tuple(f"sklearn._loss.link.{name}" for name in _LINKS),
        "a link function's class and its interval bounds; no state beyond numbers",
    ),
    (
        ("sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration"),
        "a calibrated classifier: the estimator, its calibrators and classes; sigmoid a, b",
    ),
    (("sklearn.calibration._TemperatureScaling",), "temperature calibration: one number"),
    (("sklearn.multiclass._ConstantPredictor",), "the constant answer of one binary problem"),
    (
        ("sklearn.gaussian_process._gpc._BinaryGaussianProcessClassifierLaplace",),
        "a fitted binary Gaussian-process classifier: a kernel and arrays",
    ),
    (
        tuple(f"sklearn.gaussian_process.kernels.{name}" for name in _KERNELS),
        "a kernel: hyperparameter values and bounds, or the kernels it combines",
    ),
    (
        ("sklearn.neighbors._kd_tree.KDTree", "sklearn.neighbors._ball_tree.BallTree"),
        "a neighbour index: the training points, index arrays and a distance metric",
    ),
    (
        tuple(f"sklearn.metrics._dist_metrics.{m}Distance{b}" for m in _METRICS for b in (64, 32)),
        "a named distance metric and its parameters (PyFuncDistance, which wraps a Python "
        "function, is deliberately absent)",
    ),
    (
        tuple(
            f"sklearn.neural_network._stochastic_optimizers.{n}Optimizer" for n in ("Adam", "SGD")
        ),
        "a perceptron's optimiser state after fitting: step sizes and moment arrays",
    ),
    (("sklearn.utils._bunch.Bunch",), "a dict with attribute access (voting/stacking names)"),
)
"""Helper classes fitted estimators hold, each with why it is data (a class, never a function)."""

_NAMES = tuple(name for names, _ in HELPERS for name in names)
_TREE = "sklearn.tree._tree.Tree"
_CY_LOSSES = (
    *(f"sklearn._loss._loss.Cy{name}" for name in _LOSSES),
    *(f"sklearn.linear_model._sgd_fast.{name}" for name in _SGD_LOSSES),
)
_BIT_GENERATORS = ("MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64")
_SPARSE = ("bsr", "coo", "csc", "csr", "dia", "dok", "lil")
_SPARSE_KINDS = ("matrix", "array")
_SCIPY_UFUNC_MODULES = ("scipy.special", "scipy.special._ufuncs", "scipy.special._special_ufuncs")


def type_name(cls: type) -> str:
    """How skops names a class: ``module.name``.

    Examples:
        >>> type_name(dict)
        'builtins.dict'

    """
    return f"{cls.__module__}.{cls.__name__}"


def _resolve(name: str) -> Any:
    module, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None


def _classes(names: tuple[str, ...]) -> frozenset[str]:
    """The names that are classes in the installed libraries and that skops spells that way."""
    found = set()
    for name in names:
        obj = _resolve(name)
        if isinstance(obj, type) and type_name(obj) == name:
            found.add(name)
    return frozenset(found)


def _estimators() -> frozenset[str]:
    from sklearn.utils import all_estimators

    return frozenset(
        type_name(cls)
        for _, cls in all_estimators()
        if isinstance(cls, type) and type_name(cls).startswith("sklearn.")
    )


def _ufuncs() -> frozenset[str]:
    """The numpy and ``scipy.special`` ufuncs, by every module name a skops file may give them."""
    import numpy as np

    found = {f"numpy.{n}" for n in dir(np) if isinstance(getattr(np, n), np.ufunc)}
    found = {name for name in found if isinstance(_resolve(name), np.ufunc)}
    for module_name in _SCIPY_UFUNC_MODULES:
        module = importlib.import_module(module_name)
        found |= {
            f"{module_name}.{n}" for n in dir(module) if isinstance(getattr(module, n), np.ufunc)
        }
    return frozenset(found)


@dataclass(frozen=True)
class SkopsAllowlist:
    """The names a skops file may use, one set per role (see the module docstring).

    ``objects``: classes built from their saved state (and referenced as types);
    ``scalars``: numpy array and scalar types an array node may produce;
    ``references``: types a type node may name (builtin and numpy scalar types);
    ``functions``: functions a function node may reference (ufuncs);
    ``tree``, ``losses``: the classes the dedicated tree and loss nodes build;
    ``containers``: the exact class each container kind may name (``DictNode``: ...);
    ``bit_generators``: the numpy bit generators a ``Generator`` may name.
    """

    objects: frozenset[str]
    scalars: frozenset[str]
    references: frozenset[str]
    functions: frozenset[str]
    tree: frozenset[str]
    losses: frozenset[str]
    containers: dict[str, frozenset[str]]
    bit_generators: frozenset[str]

    def every_name(self) -> frozenset[str]:
        """Every name allowed in some role."""
        names = self.objects | self.scalars | self.references | self.functions | self.tree
        names |= self.losses | self.bit_generators
        return names.union(*self.containers.values())


@functools.cache
def skops_allowlist() -> SkopsAllowlist:
    """The allowlist for the installed scikit-learn, numpy and scipy (worked out once)."""
    import numpy as np

    scalar_types = {t for t in np.sctypeDict.values() if isinstance(t, type)}
    scalars = frozenset(n for n in map(type_name, scalar_types) if n.startswith("numpy."))
    builtins = ("builtins.int", "builtins.float", "builtins.str", "builtins.bool")
    containers = ("builtins.list", "builtins.set", "builtins.tuple", "builtins.map")
    random_state, generator = np.random.RandomState, np.random.Generator
    return SkopsAllowlist(
        objects=_estimators() | _classes(_NAMES),
        scalars=scalars | {"numpy.ndarray"},
        references=scalars | frozenset(builtins + containers),
        functions=_ufuncs(),
        tree=_classes((_TREE,)),
        losses=_classes(_CY_LOSSES),
        containers={
            "DictNode": frozenset({"builtins.dict", "collections.OrderedDict"})
            | _classes(("sklearn.utils._bunch.Bunch",)),
            "DefaultDictNode": frozenset({"collections.defaultdict"}),
            "ListNode": frozenset({"builtins.list"}),
            "SetNode": frozenset({"builtins.set"}),
            "TupleNode": frozenset({"builtins.tuple"}),
            "BytesNode": frozenset({"builtins.bytes"}),
            "BytearrayNode": frozenset({"builtins.bytearray"}),
            "SliceNode": frozenset({"builtins.slice"}),
            "MaskedArrayNode": frozenset({type_name(np.ma.MaskedArray)}),
            "DTypeNode": frozenset({"numpy.dtype"}),
            "RandomStateNode": frozenset({type_name(random_state)}),
            "RandomGeneratorNode": frozenset({type_name(generator)}),
            "SparseMatrixNode": _sparse_names(),
        },
        bit_generators=frozenset(
            name for name in _BIT_GENERATORS if isinstance(getattr(np.random, name, None), type)
        ),
    )


def _sparse_names() -> frozenset[str]:
    """The scipy sparse matrix and array classes (loaded by ``scipy.sparse.load_npz``)."""
    import scipy.sparse

    found = set()
    for fmt in _SPARSE:
        for kind in _SPARSE_KINDS:
            cls = getattr(scipy.sparse, f"{fmt}_{kind}", None)
            if isinstance(cls, type):
                found.add(type_name(cls))
    return frozenset(found)
