"""Learned frame sampling for text-to-video retrieval (Gumbel-Softmax policy).

A re-implementation of mmSampler: Efficient Frame Sampler for Multimodal Video Retrieval
(Hu, Ye, Mohomed, MLSys 2022).
"""

from __future__ import annotations

from mmsampler.errors import MMSamplerError

__version__ = "0.1.0"

__all__ = ["MMSamplerError", "__version__"]
