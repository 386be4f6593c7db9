"""The drift arithmetic against hand-computed cases: bins, shares, missing and unseen values, PSI, merging."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inference.monitoring import histogram
from inference.monitoring.baseline import Bins, feature_baseline
from inference.monitoring.baseline_document import BaselineError, baseline_of
from tests.support.datasets import FRAUD, rows_for

NAN = math.nan


def test_psi_is_the_sum_of_share_differences_times_their_log_ratio() -> None:
    # (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5), by hand: 0.173287 + 0.101366
    assert histogram.psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.274653, abs=1e-6)
    assert histogram.psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0
    # an empty bin on one side counts as 1e-4: (0.1 - 1e-4) ln(0.1 / 1e-4) + (0.9 - 1) ln(0.9 / 1)
    assert histogram.psi([1.0, 0.0], [0.9, 0.1]) == pytest.approx(0.0999 * math.log(1000) + -0.1 * math.log(0.9))


def test_a_value_on_an_edge_falls_in_the_bin_above_it() -> None:
    counts = histogram.count(np.array([0.5, 1.0, 1.5, 2.0, 9.0, NAN]), (1.0, 2.0), None)
    assert counts.tolist() == [1, 2, 2, 1, 0]  # < 1, [1, 2), >= 2, missing, unseen


def test_categories_count_by_code_and_anything_else_is_unseen() -> None:
    counts = histogram.count(np.array([0, 2, 2, 1, -1, 3, 1.5, NAN, NAN]), None, 3)
    assert counts.tolist() == [1, 1, 2, 2, 3]  # three categories, two missing, three unseen (-1, 3, 1.5)


def test_quantile_edges_skip_ties_and_never_leave_the_first_bin_empty() -> None:
    values = np.array([0.0] * 50 + list(range(1, 51)), dtype=np.float64)  # half zeros, then 1 to 50
    edges = histogram.quantile_edges(values)
    assert edges == (10.0, 20.0, 30.0, 40.0)  # the 10 % to 50 % quantiles are all 0: no edge, no empty bin
    assert histogram.count(values, edges, None).tolist() == [59, 10, 10, 10, 11, 0, 0]
    assert histogram.quantile_edges(np.array([NAN, NAN])) == ()


def test_counts_of_batches_add_up_to_the_counts_of_all_rows() -> None:
    values = np.random.default_rng(3).normal(size=10_000)
    values[::7] = NAN
    edges = histogram.quantile_edges(values[:2000])
    whole = histogram.count(values, edges, None)
    parts = sum(histogram.count(chunk, edges, None) for chunk in np.array_split(values, 13))
    assert np.array_equal(whole, parts)


def test_the_missing_share_and_each_bins_share_are_over_all_rows() -> None:
    bins = Bins.of(np.array([1, 2, 3, 4, NAN], dtype=np.float64), None)
    assert bins.missing == pytest.approx(0.2)
    assert sum(bins.shares) == pytest.approx(1.0) and bins.shares[-1] == 0.0


def test_a_baseline_survives_its_document_and_labels_its_bins() -> None:
    baseline = feature_baseline(FRAUD, rows_for(FRAUD, 500, seed=4), {"amount": 0.35})
    again = baseline_of(baseline.to_document())
    assert again == baseline
    amount, channel = again.features[0], again.features[1]
    assert amount.threshold == 0.35 and channel.threshold == 0.2
    assert channel.bins.labels() == ["web", "store", "phone", "missing", "unseen"]
    assert amount.bins.labels()[0].startswith("< ") and amount.bins.labels()[-3].startswith(">= ")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [(("format",), 2, "baseline.format must be 1, got 2"),
     (("features", 0, "threshold"), 0, "baseline.features[0].threshold must be a finite positive number, got 0"),
     (("features", 0, "shares"), [1.0], "baseline.features[0].shares must have 10 values (one per bin), got 1"),
     (("features", 0, "edges"), [3.0, 1.0] + [5.0] * 7, "baseline.features[0].edges must ascend strictly"),
     (("features", 1, "missing"), 0.5, "baseline.features[1].shares and missing must be shares from 0 to 1 that add "
                                       "up to 1")],
)  # fmt: skip
def test_a_damaged_baseline_is_refused_naming_the_key(path: tuple[object, ...], value: object, message: str) -> None:
    document = feature_baseline(FRAUD, rows_for(FRAUD, 500, seed=4)).to_document()
    target = document
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    with pytest.raises(BaselineError) as refused:
        baseline_of(document)
    assert str(refused.value) == message
