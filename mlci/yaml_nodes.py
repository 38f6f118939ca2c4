"""The caps checked on a composed YAML document, before anything is constructed from it.

PyYAML turns an alias bomb ("billion laughs") into a few shared objects cheaply, and the walk
that flattens or digests them then never ends. The walk here is linear in the size of the
text: each anchored node is walked once however many aliases point at it, so a billion laughs
costs as many steps as it has nodes.
"""

from __future__ import annotations

from typing import Any

from mlci.document_caps import (
    ALIASES,
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_VALUES,
    RECURSIVE,
    SELF_MERGE,
    SURROGATE,
    VALUES,
    YAML_DEPTH,
    KeyPath,
    UnreadableDocument,
    surrogate,
)

MERGE_TAG = "tag:yaml.org,2002:merge"


def check_nodes(root: Any, *, unique_keys: bool = False) -> None:
    """Refuse a composed YAML document that breaks a cap; raises UnreadableDocument.

    Works on PyYAML's and ruamel.yaml's nodes alike (`id` is scalar, sequence or mapping).
    """
    _NodeWalk(unique_keys).run(root)


class _NodeWalk:
    """One iterative depth-first walk over a node graph, where an alias is a node met again.

    The expanded size and height of a mapping or list are worked out when its walk ends, so
    meeting it again through an alias costs one step, not a second walk.
    """

    def __init__(self, unique_keys: bool) -> None:
        self.unique_keys = unique_keys
        self.expanded: dict[int, tuple[int, int]] = {}  # walked: (values, height)
        self.open: dict[int, list[Any]] = {}  # being walked -> its mapping and list children
        self.parents: dict[int, tuple[Any, str | int]] = {}  # the first parent, for key paths
        self.aliases = 0

    def run(self, root: Any) -> None:
        if root.id == "scalar":
            self._scalar(root, 0, None, "")
            return
        # (node, depth, parent, label, mark of the edge); depth -1 ends the node's walk.
        stack: list[tuple[Any, int, Any, str | int, Any]] = [(root, 0, None, "", None)]
        while stack:
            node, depth, parent, label, mark = stack.pop()
            if depth < 0:
                self._finish(node)
            elif id(node) in self.expanded:
                self._alias(node, depth, parent, label, mark)
            elif id(node) in self.open:
                self._loop(node, parent, label, mark)
            else:
                self._open(node, depth, parent, label, stack)

    def _open(self, node: Any, depth: int, parent: Any, label: str | int, stack: list[Any]) -> None:
        if depth > MAX_DEPTH:
            raise UnreadableDocument(YAML_DEPTH, mark=node.start_mark)
        if parent is not None:
            self.parents.setdefault(id(node), (parent, label))
        children: list[Any] = []
        self.open[id(node)] = children
        stack.append((node, -1, None, "", None))
        pending: list[tuple[Any, int, Any, str | int, Any]] = []
        if node.id == "mapping":
            names: set[str] = set()
            for key, value in node.value:
                name = key.value if key.id == "scalar" else "?"
                if self.unique_keys and key.id == "scalar":
                    if name in names:
                        message = f"duplicate key {name!r}; keep one of them"
                        raise UnreadableDocument(message, mark=key.start_mark)
                    names.add(name)
                for child in (key, value):
                    if child.id == "scalar":
                        self._scalar(child, depth + 1, node, name)
                    else:
                        pending.append((child, depth + 1, node, name, key.start_mark))
        else:
            for index, child in enumerate(node.value):
                if child.id == "scalar":
                    self._scalar(child, depth + 1, node, index)
                else:
                    pending.append((child, depth + 1, node, index, node.start_mark))
        children.extend(entry[0] for entry in pending)
        # Walked in document order, so a node is first met where its anchor is written.
        stack.extend(reversed(pending))

    def _finish(self, node: Any) -> None:
        children = self.open.pop(id(node))
        collections = len(children)
        scalars = len(node.value) * (2 if node.id == "mapping" else 1) - collections
        values, height = 1 + scalars, 2 if scalars else 1
        for child in children:
            child_values, child_height = self.expanded[id(child)]
            values += child_values
            height = max(height, child_height + 1)
        if values > MAX_VALUES:
            raise UnreadableDocument(VALUES, mark=node.start_mark, key_path=self.path(node))
        self.expanded[id(node)] = (values, height)

    def _alias(self, node: Any, depth: int, parent: Any, label: str | int, mark: Any) -> None:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise UnreadableDocument(ALIASES, mark=mark, key_path=(*self.path(parent), label))
        if depth + self.expanded[id(node)][1] - 1 > MAX_DEPTH:
            raise UnreadableDocument(YAML_DEPTH, mark=mark, key_path=(*self.path(parent), label))

    def _loop(self, node: Any, parent: Any, label: str | int, mark: Any) -> None:
        if node is parent and label == "<<":
            raise UnreadableDocument(SELF_MERGE, mark=node.start_mark, key_path=self.path(node))
        raise UnreadableDocument(RECURSIVE, mark=mark, key_path=(*self.path(parent), label))

    def _scalar(self, node: Any, depth: int, parent: Any, label: str | int) -> None:
        if depth > MAX_DEPTH:
            raise UnreadableDocument(YAML_DEPTH, mark=node.start_mark)
        value = node.value
        if not value.isascii() and (found := SURROGATE.search(value)) is not None:
            where = (*self.path(parent), label) if parent is not None else ()
            raise UnreadableDocument(surrogate(found.group()), mark=node.start_mark, key_path=where)

    def path(self, node: Any) -> KeyPath:
        labels: list[str | int] = []
        while (up := self.parents.get(id(node))) is not None:
            node, label = up
            labels.append(label)
        return tuple(reversed(labels))
