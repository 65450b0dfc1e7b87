"""How a run's counts read to people: words for keys, zeros left out, vendors' request shares by name."""

from __future__ import annotations

from bchub.domain.runs import count_labels, counts_text, vendor_requests_key, vendor_shares


def test_vendor_shares_are_named_by_their_connection() -> None:
    counts = {"created": 3, "skipped": 0, "vendor_requests": 9, vendor_requests_key(7): 4, vendor_requests_key(8): 5}
    assert count_labels(counts, {7: "north"}) == [
        ("created", 3),
        ("requests to north", 4),
        ("requests to connection 8", 5),  # a connection removed since
    ]
    assert counts_text(counts, {7: "north", 8: "harbor"}) == ("created 3, requests to north 4, requests to harbor 5")
    assert vendor_shares(counts) == {7: 4, 8: 5}
    assert counts_text({"created": 1, "vendor_requests": 2}) == "created 1, vendor requests 2"  # no shares: the total


def test_nothing_counted_reads_as_the_callers_word() -> None:
    assert counts_text({}) == "nothing"
    assert counts_text({"created": 0}, empty="no items") == "no items"
