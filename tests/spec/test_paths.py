"""The path index finds exactly the paths that overlap, as a pairwise comparison would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mlci.spec.checks import find_cycle
from mlci.spec.paths import PathIndex, normalise

parts = st.sampled_from(["a", "b", "ab", "a.b", "b-1"])
paths = st.lists(parts, min_size=1, max_size=4).map("/".join) | st.just(".")


def overlaps(a: str, b: str) -> bool:
    return a == b or "." in (a, b) or b.startswith(a + "/") or a.startswith(b + "/")


@given(st.lists(paths, max_size=20), paths)
def test_index_agrees_with_pairwise_overlap(stored: list[str], query: str) -> None:
    index: PathIndex[int] = PathIndex()
    for position, path in enumerate(stored):
        index.add(path, position)
    found = sorted(index.overlapping(query))
    assert found == [i for i, path in enumerate(stored) if overlaps(path, query)]


def test_normalise_keeps_paths_inside_the_repository() -> None:
    assert normalise("src", "../data/x.csv") == "data/x.csv"
    assert normalise(".", "./a//b/") == "a/b"
    assert normalise("src", "../../etc/passwd") is None
    assert normalise(".", "/etc/passwd") is None


def test_find_cycle_on_a_long_chain_without_recursion() -> None:
    chain = {f"s{i}": [f"s{i + 1}"] for i in range(5000)} | {"s5000": []}
    assert find_cycle(chain) is None
    chain["s5000"] = ["s4998"]
    assert find_cycle(chain) == ["s4998", "s4999", "s5000", "s4998"]
