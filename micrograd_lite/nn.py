"""Neural-network pieces built from Values: losses for now.

`mse_loss(predictions, targets)` and `MSELoss()` match `torch.nn.MSELoss` with its
default mean reduction: one `MseLossBackward0` node over every prediction and target.
"""

from __future__ import annotations

from collections.abc import Sequence

from micrograd_lite import ops
from micrograd_lite.engine import Operand, Value, _nary

__all__ = ["MSELoss", "mse_loss"]


def mse_loss(predictions: Sequence[Operand], targets: Sequence[Operand]) -> Value:
    """Mean of `(prediction - target)²` over the pairs, as one graph node."""
    predictions = list(predictions)
    targets = list(targets)
    if len(predictions) != len(targets):
        raise ValueError(
            f"mse_loss needs as many targets as predictions, got {len(predictions)} "
            f"predictions and {len(targets)} targets"
        )
    if not predictions:
        raise ValueError("mse_loss needs at least one prediction")
    return _nary(ops.MSE_LOSS, [*predictions, *targets], empty=0.0)


class MSELoss:
    """`MSELoss()(predictions, targets)`, as `torch.nn.MSELoss()` with mean reduction."""

    def __call__(self, predictions: Sequence[Operand], targets: Sequence[Operand]) -> Value:
        return mse_loss(predictions, targets)

    def __repr__(self) -> str:
        return "MSELoss()"
