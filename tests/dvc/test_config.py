"""mlci.dvc.config: .dvc/config and .dvc/config.local read as DVC merges them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlci.dvc.config import cache_folder, local_remote_folders, read_dvc_config


def write_config(root: Path, name: str, text: str) -> None:
    (root / ".dvc").mkdir(exist_ok=True)
    (root / ".dvc" / name).write_text(text)


def test_no_config_is_the_default_cache_and_no_remote(tmp_path: Path) -> None:
    config = read_dvc_config(tmp_path)
    assert config == {}
    assert cache_folder(tmp_path, config) == tmp_path / ".dvc" / "cache"
    assert local_remote_folders(tmp_path, config) == []


def test_configobj_sections_and_local_overrides(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "config",
        "[core]\n    remote = a\n['remote \"a\"']\n    url = ../store-a\n"
        "# a comment = not a key\n[cache]\n    dir = first\n",
    )
    write_config(tmp_path, "config.local", '[cache]\n    dir = "second"\n')
    config = read_dvc_config(tmp_path)
    assert config == {
        "core": {"remote": "a"},
        'remote "a"': {"url": "../store-a"},
        "cache": {"dir": "second"},  # config.local wins, one layer of quotes off
    }
    # Relative to the folder of the config file, as DVC reads them.
    assert cache_folder(tmp_path, config) == tmp_path / ".dvc" / "second"
    assert local_remote_folders(tmp_path, config) == [tmp_path / ".dvc" / "../store-a"]


def test_only_folders_are_remotes_here_the_default_first(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "config",
        "[core]\n    remote = z\n"
        "['remote \"cloud\"']\n    url = s3://bucket/path\n"
        "['remote \"b\"']\n    url = file:///srv/b\n"
        "['remote \"z\"']\n    url = /srv/z\n",
    )
    config = read_dvc_config(tmp_path)
    assert local_remote_folders(tmp_path, config) == [Path("/srv/z"), Path("/srv/b")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_config_that_is_a_link_out_or_a_fifo_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_text("[cache]\n    dir = /etc\n")
    root = tmp_path / "repo"
    (root / ".dvc").mkdir(parents=True)
    (root / ".dvc" / "config").symlink_to(outside)
    os.mkfifo(root / ".dvc" / "config.local")
    assert read_dvc_config(root) == {}  # returns at once: the FIFO is never waited on
