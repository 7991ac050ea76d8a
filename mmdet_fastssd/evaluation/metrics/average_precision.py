"""Per-class (non-interpolated) average precision of a ranking, batched."""
import torch
from torch import Tensor


def average_precision(scores: Tensor, targets: Tensor) -> Tensor:
    """Average precision of every column at once, ties handled as sklearn.

    ``AP = sum over positives i of precision(score >= s_i) / num_positives``,
    which equals scikit-learn's ``average_precision_score`` (the sum over
    distinct thresholds of recall gain times precision): tied scores share
    one threshold, so their order does not matter.

    Args:
        scores (Tensor): [N, C] scores, higher = more likely positive.
        targets (Tensor): [N, C] 0/1 ground truth.

    Returns:
        Tensor: [C] float64, NaN for a column without positives.
    """
    scores = scores.double()
    targets = targets.double()
    desc, order = scores.sort(0, descending=True)  # [N, C]
    hits = targets.gather(0, order)  # [N, C]
    cum_hits = hits.cumsum(0)  # [N, C]
    neg = (-desc).t().contiguous()  # [C, N] ascending
    # number of items scoring >= each item's score (its threshold's rank)
    ranks = torch.searchsorted(neg, neg, right=True)  # [C, N]
    at_threshold = cum_hits.t().gather(1, ranks - 1)  # [C, N]
    precision = at_threshold / ranks  # [C, N]
    num_pos = targets.sum(0)  # [C]
    ap = (precision * hits.t()).sum(1) / num_pos  # [C]
    return ap.masked_fill(num_pos == 0, float('nan'))
