"""DVC's configuration of a repository, read as DVC reads it: `.dvc/config`, then
`.dvc/config.local`, which wins. mlci needs two things from it: where the cache is
(`cache.dir`) and which remotes are folders on this machine.

Both files are a pull request's to edit: they are read confined to the repository (a link
out, a FIFO, are skipped as if absent), and what they name is only ever a place to look for
DVC objects (mlci.dvc.objects), never a file read whatever its name.
"""

from __future__ import annotations

from pathlib import Path

from mlci.files import ReadRefused, read_confined

CONFIG_FILES = ("config", "config.local")
"""In the order DVC merges them: a key of the second overrides the first's."""


def read_dvc_config(root: Path) -> dict[str, dict[str, str]]:
    """`.dvc/config` then `.dvc/config.local` (which wins), as {section: {key: value}}.

    DVC writes these with configobj: `['remote "storage"']` headers and indented keys, which
    configparser reads as continuation lines, so they are parsed here line by line.
    """
    sections: dict[str, dict[str, str]] = {}
    for name in CONFIG_FILES:
        try:
            content = read_confined(root, f".dvc/{name}")
        except ReadRefused:  # a link out, a FIFO: no config mlci can trust to read
            continue
        if content is not None:
            _merge(sections, content.decode("utf-8", errors="replace"))
    return sections


def _merge(sections: dict[str, dict[str, str]], text: str) -> None:
    """The sections and keys of one config file, over those already read."""
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = _unquote(line[1:-1].strip())
        elif section and "=" in line and not line.startswith(("#", ";")):
            key, value = (part.strip() for part in line.split("=", 1))
            sections.setdefault(section, {})[key] = _unquote(value)


def _unquote(text: str) -> str:
    """`'remote "storage"'` -> `remote "storage"`: one layer of matching quotes."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def cache_folder(root: Path, config: dict[str, dict[str, str]]) -> Path:
    """The local DVC cache: `cache.dir` if set (relative to `.dvc`), else `.dvc/cache`."""
    dvc_dir = root / ".dvc"
    cache_dir = config.get("cache", {}).get("dir")
    return _config_path(dvc_dir, cache_dir) if cache_dir else dvc_dir / "cache"


def local_remote_folders(root: Path, config: dict[str, dict[str, str]]) -> list[Path]:
    """The remotes that are folders on this machine (a plain path or a `file://` URL), the
    default remote (`core.remote`) first, then the others by URL. A remote in the cloud is
    not one: mlci never contacts it."""
    dvc_dir = root / ".dvc"
    default = config.get("core", {}).get("remote")
    remotes = sorted(
        (name != f'remote "{default}"', values.get("url", ""))
        for name, values in config.items()
        if name.startswith("remote ")
    )
    folders = []
    for _, url in remotes:
        if url and "://" not in url:  # a folder: the same layout as the cache
            folders.append(_config_path(dvc_dir, url))
        elif url.startswith("file://"):
            folders.append(Path(url.removeprefix("file://")))
    return folders


def _config_path(dvc_dir: Path, value: str) -> Path:
    """A path in DVC's config: relative to the folder of the config file, `~` expanded."""
    return dvc_dir / Path(value).expanduser()
