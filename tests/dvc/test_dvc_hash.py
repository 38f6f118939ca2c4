"""Files and folders hashed as dvc_data hashes them."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from mlci.dvc import dvc_hash
from mlci.dvc.dvcignore import DvcIgnore
from mlci.dvc.workspace import Workspace


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())


def test_dvc2_md5_of_text_and_binary_chunks_is_dvcs(tmp_path: Path) -> None:
    from dvc_data.hashfile.hash import file_md5

    rng = random.Random(1)
    line = b"line\r\n"
    contents = [
        b"",
        b"a\r\nb\r\n",
        bytes(range(256)) * 3,
        line * ((1 << 20) // len(line) + 5),  # CRLF across the 1 MiB chunk boundary
        b"\x00" * 10 + b"\r\n" * 10,
        (b"text\r\n" * 200_000) + bytes(rng.randrange(256) for _ in range(600_000)),
    ]
    for index, content in enumerate(contents):
        path = tmp_path / f"f{index}"
        path.write_bytes(content)
        for legacy, name in ((True, "md5-dos2unix"), (False, "md5")):
            ours = dvc_hash.file_md5(path, path.name, legacy)
            assert ours == file_md5(str(path), name=name), (index, name)


def test_folder_hash_is_dvcs_tree_digest(tmp_path: Path) -> None:
    from dvc_data.hashfile.hash_info import HashInfo
    from dvc_data.hashfile.meta import Meta
    from dvc_data.hashfile.tree import Tree

    names = ["a", "B", "é.txt", "z/x", "a b", "日本/語", "ab/c/d", "_", "A", "a-b", "a.b/c"]
    write(tmp_path, {f"data/{name}": name * 3 for name in names})
    workspace = Workspace(tmp_path, DvcIgnore([]))
    files = workspace.tree("data")
    tree = Tree()
    for name, size in files:
        md5 = hashlib.md5((name * 3).encode()).hexdigest()
        tree.add(tuple(name.split("/")), Meta(size=size), HashInfo("md5", md5))
    tree.digest()
    assert sorted(name for name, _ in files) == sorted(names)
    assert workspace.dir_md5("data", files) == tree.hash_info.value
