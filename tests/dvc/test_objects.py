"""mlci.dvc.objects: object names, where objects live in a store, reading one."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from mlci.document_caps import UnreadableDocument
from mlci.dvc.objects import (
    Store,
    directory_entries,
    is_directory,
    is_file_object_name,
    is_object_name,
    is_object_path,
    object_path,
    object_stores,
    read_object,
)
from mlci.files import ReadRefused, read_confined

MD5 = "0123456789abcdef0123456789abcdef"


def put(store: Path, content: bytes, *, legacy: bool = False) -> str:
    digest = hashlib.md5(content).hexdigest()
    path = object_path(store, digest, legacy)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return digest


@pytest.mark.parametrize(
    ("name", "any_object", "file_object"),
    [
        (MD5, True, True),
        (MD5 + ".dir", True, False),
        (MD5.upper(), False, False),
        (MD5[:-1], False, False),
        ("../../etc/passwd", False, False),
        (MD5 + "/../x", False, False),
        (MD5 + ".dir\n", False, False),
    ],
)
def test_object_names_are_32_hex_digits(name: str, any_object: bool, file_object: bool) -> None:
    assert is_object_name(name) is any_object
    assert is_file_object_name(name) is file_object


def test_where_objects_live_in_dvc_3_and_dvc_2_stores(tmp_path: Path) -> None:
    assert object_path(tmp_path, MD5, False) == tmp_path / "files/md5/01" / MD5[2:]
    assert object_path(tmp_path, MD5, True) == tmp_path / "01" / MD5[2:]
    assert is_directory(MD5 + ".dir") and not is_directory(MD5)
    with pytest.raises(ValueError, match="not an object name"):
        object_path(tmp_path, "../../etc/passwd", False)


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        (f"files/md5/01/{MD5[2:]}", True),
        (f"01/{MD5[2:]}", True),
        (f"files/md5/01/{MD5[2:]}.dir", False),  # a listing is read by mlci, never linked to
        ("config", False),
        (f"tmp/01/{MD5[2:]}", False),
    ],
)
def test_object_paths(relative: str, expected: bool) -> None:
    assert is_object_path(relative) is expected


def test_the_cache_first_then_local_remotes(tmp_path: Path) -> None:
    (tmp_path / ".dvc").mkdir()
    (tmp_path / ".dvc" / "config").write_text(
        "[core]\n    remote = r\n['remote \"r\"']\n    url = /srv/r\n"
    )
    assert object_stores(tmp_path) == [
        Store("cache", tmp_path / ".dvc" / "cache"),
        Store("remote", Path("/srv/r")),
    ]


def test_read_object_from_the_first_store_that_holds_it(tmp_path: Path) -> None:
    cache, remote = tmp_path / "cache", tmp_path / "remote"
    only_remote = put(remote, b"remote")
    both = put(cache, b"both")
    put(remote, b"both")
    legacy = put(cache, b"old", legacy=True)
    stores = [Store("cache", cache), Store("remote", remote)]
    assert read_object(stores, only_remote, False) == ("remote", b"remote")
    assert read_object(stores, both, False) == ("cache", b"both")
    assert read_object(stores, legacy, True) == ("cache", b"old")
    assert read_object(stores, legacy, False) is None  # DVC 3's layout does not hold it
    assert read_object(stores, MD5, False) is None


def test_an_object_that_is_a_link_is_refused_naming_the_store(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    target = object_path(cache, MD5, False)
    target.parent.mkdir(parents=True)
    (tmp_path / "secret").write_text("secret")
    target.symlink_to(tmp_path / "secret")
    with pytest.raises(ReadRefused, match=r"^in the DVC cache cannot be opened"):
        read_object([Store("cache", cache), Store("remote", tmp_path)], MD5, False)


def test_a_folders_listing(tmp_path: Path) -> None:
    listing = [
        {"relpath": "a.json", "md5": MD5},
        {"relpath": "", "md5": MD5},  # no relpath: no file
        "not an entry",
        {"relpath": "sub/b.json"},
    ]
    assert directory_entries(json.dumps(listing).encode()) == [
        ("a.json", MD5),
        ("sub/b.json", "None"),  # as written: the caller refuses it as no md5
    ]
    assert directory_entries(b'{"not": "a list"}') == []
    with pytest.raises(UnreadableDocument):
        directory_entries(b"[" * 100_000)


def test_read_confined_follows_links_into_a_store_only_to_objects(tmp_path: Path) -> None:
    """DVC's symlink cache type points workspace files at objects: those are read; a link
    to any other file of the store (its config is a pull request's) is refused."""
    root, store = tmp_path / "repo", tmp_path / "store"
    root.mkdir()
    digest = put(store, b'{"acc": 1}')
    (root / "metrics.json").symlink_to(object_path(store, digest, False))
    (store / "other").write_text("x")
    (root / "other.json").symlink_to(store / "other")
    assert read_confined(root, "metrics.json", stores=[store]) == b'{"acc": 1}'
    with pytest.raises(ReadRefused, match="outside"):
        read_confined(root, "other.json", stores=[store])
    with pytest.raises(ReadRefused, match="outside"):
        read_confined(root, "metrics.json")  # no store given: outside is outside


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_an_object_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    target = object_path(tmp_path, MD5, False)
    target.parent.mkdir(parents=True)
    os.mkfifo(target)
    with pytest.raises(ReadRefused, match="not a regular file"):
        read_object([Store("remote", tmp_path)], MD5, False)
