"""A mapping bounded by weight: what mlci remembers while reading many revisions, within a
cap on memory (a tree by its entries, a blob by its bytes)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """A mapping that forgets its least recently used items beyond `capacity` in weight."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._weight = 0

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def pop(self, key: K) -> V | None:
        found = self._items.pop(key, None)
        if found is None:
            return None
        self._weight -= found[1]
        return found[0]

    def put(self, key: K, value: V, weight: int = 1) -> None:
        if key in self._items:
            self._weight -= self._items.pop(key)[1]
        self._items[key] = (value, weight)
        self._weight += weight
        while self._weight > self.capacity and len(self._items) > 1:
            self._weight -= self._items.popitem(last=False)[1][1]
