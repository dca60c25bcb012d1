"""Exception hierarchy: every error that virtualflow raises derives from VirtualFlowError.

Errors caused by a bad argument also derive from ``ValueError`` or ``TypeError``, so callers
that already catch those keep working.
"""

from __future__ import annotations

__all__ = [
    "BatchTooSmallError",
    "DatasetTooSmallError",
    "DeviceConfigurationError",
    "IndivisibleBatchError",
    "IndivisibleDevicesError",
    "InfeasiblePlanError",
    "InvalidCountError",
    "PlanError",
    "PlanTypeError",
    "ProfileError",
    "ResizeError",
    "RunDirectoryError",
    "SplitError",
    "TooManyDevicesError",
    "UnsupportedLayerError",
    "VirtualFlowError",
]


class VirtualFlowError(Exception):
    """Base class of all errors raised by virtualflow."""


class PlanError(VirtualFlowError, ValueError):
    """Base class of invalid arguments to a virtual-node plan."""


class PlanTypeError(VirtualFlowError, TypeError):
    """A plan argument has the wrong type, e.g. a float where an integer count is expected."""


class InvalidCountError(PlanError):
    """A count is below 1, or the per-device node counts do not add up to the node count."""


class BatchTooSmallError(PlanError):
    """The global batch is smaller than the number of virtual nodes, so a node would be empty."""


class IndivisibleBatchError(PlanError):
    """The global batch is not a multiple of the number of virtual nodes."""


class TooManyDevicesError(PlanError):
    """More devices than virtual nodes, so a device would have no virtual node."""


class IndivisibleDevicesError(PlanError):
    """The number of virtual nodes is not a multiple of the device count (homogeneous plan)."""


class ResizeError(PlanError):
    """A resize target device count is invalid for the plan's number of virtual nodes."""


class SplitError(PlanError):
    """A per-device batch split is invalid, e.g. it does not add up to the global batch."""


class ProfileError(VirtualFlowError, ValueError):
    """A throughput profile is malformed or does not cover the requested batch size."""


class InfeasiblePlanError(VirtualFlowError, ValueError):
    """No assignment satisfies the constraints of a heterogeneous planning request."""


class RunDirectoryError(VirtualFlowError, ValueError):
    """A training run directory is missing a file or contains a file in an unexpected format."""


class DatasetTooSmallError(VirtualFlowError, ValueError):
    """The data set contains fewer examples than one global batch."""


class DeviceConfigurationError(VirtualFlowError, RuntimeError):
    """Devices cannot be configured as requested, e.g. after TensorFlow initialised."""


class UnsupportedLayerError(VirtualFlowError, TypeError):
    """A model layer keeps batch-dependent state that virtual-node training cannot reproduce."""
