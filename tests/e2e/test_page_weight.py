"""Page weight on a slow phone network: every main patient page stays within 150 KB transferred, cache disabled,
over an emulated roaming link (150 ms latency, 1.6 Mbit/s down). The same measurement as bench/page_weight.py,
which also prints largest contentful paint; tests assert bytes only, never wall-clock times.
"""

import pytest

from bench.page_weight import WEIGHT_BUDGET_KB, measure, patient_pages, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_every_main_patient_page_weighs_under_the_budget_on_a_roaming_link(page, live_server, demo_cast):
    sign_in(page, live_server.url)

    weights = {}
    for name, path in patient_pages():
        size, _lcp, status = measure(page, live_server.url + path)
        assert status == 200, path
        weights[name] = round(size / 1024, 1)

    assert len(weights) == 7
    assert all(kb > 1 for kb in weights.values()), weights  # something was measured
    assert {name: kb for name, kb in weights.items() if kb > WEIGHT_BUDGET_KB} == {}, weights
