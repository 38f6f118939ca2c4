"""The trees of revisions, read through GitObjects' one `git cat-file --batch` process.

A revision's files are found by walking its trees from the root, each tree read once by its
id and remembered, so that commits after the first cost only the trees they changed (and a
file's blob id says whether its content changed, before it is read).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from mlci.gitbatch import GitObjects
from mlci.weighted_lru import Bounded

MAX_TREE_BYTES = 16 << 20
"""A tree object larger than this (some 400,000 names in one folder) is read as empty: a
pull request can commit one, and mlci would hold every entry of it."""
TREE_MODE = "40000"
LINK_MODE = "120000"
GITLINK_MODE = "160000"  # a submodule: a commit of another repository, not a tree here


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One name in a git tree: its mode (`40000` a folder, `120000` a link) and object id."""

    mode: str
    oid: str

    @property
    def is_tree(self) -> bool:
        return self.mode == TREE_MODE

    @property
    def is_link(self) -> bool:
        return self.mode == LINK_MODE


Tree = dict[str, TreeEntry]


@dataclass(frozen=True)
class Found:
    """What a path names in a revision: its entry, or the link on its way (`link`), or
    nothing (both None)."""

    entry: TreeEntry | None = None
    link: str | None = None
    """`path` or the folder of it that is a symbolic link committed to git."""


# Folders DVC never looks into for its files (dvc/ignore.py's defaults).
SKIPPED_FOLDERS = frozenset({".git", ".hg", ".dvc"})


class GitTrees:
    """The trees of revisions, read by id through GitObjects and remembered (within a bound
    of entries: a long history holds many trees, most of them shared between commits)."""

    def __init__(self, objects: GitObjects, capacity: int = 100_000) -> None:
        self._objects = objects
        self._trees: Bounded[str, Tree] = Bounded(capacity)
        self._roots: Bounded[str, str] = Bounded(4096)
        self._dvc_files: Bounded[str, tuple[str, ...]] = Bounded(capacity)

    def root(self, revision: str) -> str | None:
        """The id of the project folder's tree at `revision` (None: no such folder there)."""
        found = self._roots.get(revision)
        if found is None:
            (tree,) = self._objects.read_objects(
                [self._objects.root_tree(revision)], MAX_TREE_BYTES
            )
            found = ""  # remembered as "": no tree there
            if tree is not None and isinstance(tree.content, bytes):
                found = tree.oid
                if self._trees.get(found) is None:
                    self._put(found, tree.content)
            self._roots.put(revision, found)
        return found or None

    def forget(self, revision: str) -> None:
        """Drop `revision`'s root tree: a history reads each commit's once, while the
        folders below, shared by neighbouring commits, stay remembered."""
        root = self._roots.pop(revision)
        if root:
            self._trees.pop(root)
            self._dvc_files.pop(root)

    def prefetch_roots(self, revisions: Sequence[str]) -> None:
        """The root trees of `revisions` not remembered yet, read in one batch."""
        wanted = [rev for rev in dict.fromkeys(revisions) if self._roots.get(rev) is None]
        names = [self._objects.root_tree(rev) for rev in wanted]
        found_trees = self._objects.read_objects(names, MAX_TREE_BYTES)
        for rev, tree in zip(wanted, found_trees, strict=True):
            found = ""
            if tree is not None and isinstance(tree.content, bytes):
                found = tree.oid
                if self._trees.get(found) is None:
                    self._put(found, tree.content)
            self._roots.put(rev, found)

    def blob_ids(self, revisions: Sequence[str], paths: Iterable[str]) -> set[str]:
        """The blob ids of `paths` in each of `revisions`, walking all of them a folder level
        at a time (each level's unknown trees in one batch). Links are not followed."""
        self.prefetch_roots(revisions)
        walks = [
            (path.split("/"), root)
            for rev in revisions
            if (root := self.root(rev)) is not None
            for path in dict.fromkeys(paths)
        ]
        blobs: set[str] = set()
        depth = 0
        while walks:
            self.prefetch(tree for _, tree in walks)
            below = []
            for parts, tree in walks:
                entry = self.tree(tree).get(parts[depth])
                if entry is None or entry.is_link:
                    continue
                if depth == len(parts) - 1:
                    if not entry.is_tree and entry.mode != GITLINK_MODE:
                        blobs.add(entry.oid)
                elif entry.is_tree:
                    below.append((parts, entry.oid))
            walks, depth = below, depth + 1
        return blobs

    def tree(self, oid: str) -> Tree:
        found = self._trees.get(oid)
        if found is None:
            self.prefetch([oid])
            found = self._trees.get(oid)
        return found or {}

    def prefetch(self, oids: Iterable[str]) -> None:
        """Read the trees not remembered yet, in one batch."""
        wanted = [oid for oid in dict.fromkeys(oids) if self._trees.get(oid) is None]
        found_trees = self._objects.read_objects(wanted, MAX_TREE_BYTES)
        for oid, found in zip(wanted, found_trees, strict=True):
            content = found.content if found is not None else b""
            self._put(oid, content if isinstance(content, bytes) else b"")

    def _put(self, oid: str, content: bytes) -> None:
        tree = parse_tree(content, len(oid) // 2)
        self._trees.put(oid, tree, len(tree) + 1)

    def find(self, revision: str, path: str) -> Found:
        """The entry `path` names at `revision`, walking its folders from the root."""
        oid = self.root(revision)
        parts = path.split("/")
        for index, part in enumerate(parts):
            if oid is None:
                return Found()
            entry = self.tree(oid).get(part)
            if entry is None:
                return Found()
            if entry.is_link:
                return Found(link="/".join(parts[: index + 1]))
            if index == len(parts) - 1:
                return Found(entry)
            oid = entry.oid if entry.is_tree else None
        return Found()

    def files(self, oid: str) -> Iterator[tuple[str, TreeEntry]]:
        """Every file below the tree `oid` (links included, folders not), as (relative path,
        entry), reading each level of folders in one batch."""
        level = [("", oid)]
        while level:
            self.prefetch(tree for _, tree in level)
            below: list[tuple[str, str]] = []
            for prefix, tree in level:
                for name, entry in sorted(self.tree(tree).items()):
                    if entry.is_tree:
                        below.append((f"{prefix}{name}/", entry.oid))
                    elif entry.mode != GITLINK_MODE:
                        yield f"{prefix}{name}", entry
            level = below

    def dvc_files(self, oid: str) -> tuple[str, ...]:
        """The paths below the tree `oid` where DVC looks for its files: every `dvc.yaml` and
        `*.dvc` file, except inside .git/.hg/.dvc folders and DVC subrepos (folders that
        hold a .dvc folder of their own). Worked out once per tree id: a commit that
        changes one folder costs the trees on its way to the root, not the whole tree."""
        if (known := self._dvc_files.get(oid)) is not None:
            return known
        top = self.tree(oid)
        if not any(e.is_tree and n not in SKIPPED_FOLDERS for n, e in top.items()):
            # No folder to search (a root holding only .dvc/ and files): its own names.
            names = tuple(sorted(n for n, e in top.items() if not e.is_tree and _is_dvc_file(n)))
            self._dvc_files.put(oid, names, len(names) + 1)
            return names
        self._read_unknown(oid)
        # Post-order over the trees not worked out yet, without recursion (a pull request
        # chooses how deep its folders go).
        stack: list[tuple[str, bool]] = [(oid, False)]
        while stack:
            tree, children_done = stack.pop()
            if self._dvc_files.get(tree) is not None:
                continue
            folders = self._searched_folders(tree)
            if not children_done:
                stack.append((tree, True))
                stack.extend((child, False) for _, child in folders)
                continue
            found = [
                name
                for name, entry in self.tree(tree).items()
                if not entry.is_tree and _is_dvc_file(name)
            ]
            for name, child in folders:
                found.extend(f"{name}/{path}" for path in self._dvc_files.get(child) or ())
            self._dvc_files.put(tree, tuple(sorted(found)), len(found) + 1)
        return self._dvc_files.get(oid) or ()

    def _searched_folders(self, tree: str) -> list[tuple[str, str]]:
        """(name, id) of the folders of `tree` DVC searches: not skipped, not subrepos."""
        return [
            (name, entry.oid)
            for name, entry in self.tree(tree).items()
            if entry.is_tree
            and name not in SKIPPED_FOLDERS
            and not _holds_dvc_folder(self.tree(entry.oid))
        ]

    def _read_unknown(self, oid: str) -> None:
        """Read, a level at a time, every tree below `oid` not worked out yet."""
        level = [oid]
        while level:
            self.prefetch(level)
            below: list[str] = []
            for tree in level:
                below.extend(
                    entry.oid
                    for name, entry in self.tree(tree).items()
                    if entry.is_tree
                    and name not in SKIPPED_FOLDERS
                    and self._dvc_files.get(entry.oid) is None
                )
            level = below


def _is_dvc_file(name: str) -> bool:
    return name == "dvc.yaml" or name.endswith(".dvc")


def _holds_dvc_folder(tree: Tree) -> bool:
    entry = tree.get(".dvc")
    return entry is not None and entry.is_tree


def parse_tree(content: bytes, id_bytes: int) -> Tree:
    """A git tree object's entries: `<mode> <name>\\0<id>` each, the id in `id_bytes` raw
    bytes (20 for SHA-1 repositories, 32 for SHA-256). Names are read as UTF-8, an
    undecodable byte replaced (they are only compared with names read the same way)."""
    entries: Tree = {}
    position, end = 0, len(content)
    while position < end:
        space = content.index(b" ", position)
        nul = content.index(b"\0", space)
        mode = content[position:space].decode()
        name = content[space + 1 : nul].decode("utf-8", errors="replace")
        oid = content[nul + 1 : nul + 1 + id_bytes].hex()
        entries[name] = TreeEntry(mode, oid)
        position = nul + 1 + id_bytes
    return entries
