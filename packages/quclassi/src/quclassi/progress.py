"""Training progress: a tqdm bar on stderr and optional per-epoch log lines."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

__all__ = ["EpochProgress"]

logger = logging.getLogger(__name__)


class EpochProgress:
    """Context manager yielding an epoch callback that drives a tqdm bar on stderr."""

    def __init__(self, epochs: int, verbose: int) -> None:
        self.epochs = epochs
        self.verbose = verbose
        self._bar: Any = None

    def __enter__(self) -> Callable[[int, float], None]:
        if self.verbose >= 1:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.epochs, desc="training", unit="epoch", leave=False)
        return self._report

    def _report(self, epoch: int, loss: float) -> None:
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
        if self.verbose >= 2:
            logger.info("epoch %d: loss %.6f", epoch, loss)

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()
