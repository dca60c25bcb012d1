"""Virtual node processing: the same training result on any number of devices.

A re-implementation of VirtualFlow: Decoupling Deep Learning Models from the Underlying Hardware
(Or, Zhang, Freedman, MLSys 2022).
"""

from __future__ import annotations

from virtualflow.errors import VirtualFlowError
from virtualflow.hetero import HeterogeneousPlan, ThroughputProfile, plan_heterogeneous
from virtualflow.plan import VirtualNodePlan, apportion_nodes
from virtualflow.uneven import UnevenBatchPlan

__version__ = "0.1.0"

__all__ = [
    "HeterogeneousPlan",
    "ThroughputProfile",
    "UnevenBatchPlan",
    "VirtualFlowError",
    "VirtualNodePlan",
    "__version__",
    "apportion_nodes",
    "plan_heterogeneous",
]
