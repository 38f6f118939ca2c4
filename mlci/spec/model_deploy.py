"""The `deploy:` section of mlci.yaml: the registry, the package and where each stage's
package goes.

Every stage's version is packaged, smoke-tested, attached to a GitHub Release and built
into a container image in GitHub's registry (no cloud account needed); `targets` add places
of the team's own. Cloud credentials come only from OIDC, never from stored keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from mlci.spec.model_base import EnvironmentName, Model, NotAnOption, RegistryName, StageName

# An image reference as docker reads one: [registry/]name[:tag][@sha256:digest].
IMAGE_REFERENCE = re.compile(
    r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)
_OIDC_SCHEMES = {"aws": ("s3",), "gcp": ("gs", "gcs"), "azure": ("azure", "az")}


class Container(Model):
    """The container image that serves the package: built and pushed by the deploy workflow
    to `ghcr.io/<owner>/<repository>/<model>:<version>` with the built-in token."""

    push: bool = True
    base: str | None = None
    """The base image (default: `python:<ci.python>-slim`). Pin it by digest
    (`python:3.11-slim@sha256:...`) so that a rebuild gets the same system."""

    @model_validator(mode="after")
    def _an_image(self) -> Container:
        if self.base is not None and not IMAGE_REFERENCE.fullmatch(self.base):
            raise ValueError(
                f"`base` {self.base!r} is not an image reference: name[:tag][@sha256:digest]"
            )
        return self


class Oidc(Model):
    """Short-lived cloud credentials from GitHub's OIDC token, for one cloud."""

    provider: Literal["aws", "gcp", "azure"]
    role: str | None = None
    """AWS: the ARN of the IAM role to assume."""
    region: str | None = None
    """AWS: the bucket's region."""
    workload_identity_provider: str | None = None
    """GCP: projects/N/locations/global/workloadIdentityPools/POOL/providers/PROVIDER."""
    service_account: str | None = None
    """GCP: the service account to impersonate."""
    client_id: str | None = None
    """Azure: the app registration's client id."""
    tenant_id: str | None = None
    """Azure: the tenant id."""

    @model_validator(mode="after")
    def _complete(self) -> Oidc:
        needed = {
            "aws": ("role",),
            "gcp": ("workload_identity_provider", "service_account"),
            "azure": ("client_id", "tenant_id"),
        }[self.provider]
        missing = [key for key in needed if getattr(self, key) is None]
        if missing:
            raise ValueError(f"OIDC for {self.provider} needs {', '.join(missing)}")
        for key in ("role", "region", "workload_identity_provider", "service_account"):
            value = getattr(self, key)
            if value is not None and not re.fullmatch(r"[A-Za-z0-9:/._@-]{1,400}", value):
                raise ValueError(f"`{key}` {value!r} has characters no cloud name has")
        for key in ("client_id", "tenant_id"):
            value = getattr(self, key)
            if value is not None and not re.fullmatch(r"[0-9A-Fa-f-]{36}", value):
                raise ValueError(f"`{key}` {value!r} is not a GUID")
        return self


class FolderTarget(Model):
    """A folder on the machine that deploys (a self-hosted runner, a server): each version
    is kept in `versions/`, and `current` is switched to the new one at once."""

    folder: NotAnOption


class ObjectStoreTarget(Model):
    """A bucket: the package goes to `<url>/<model>/<version>/`, and `<url>/<model>/<stage>.json`
    names the version the stage serves."""

    object_store: NotAnOption
    """s3://bucket/path, gs://bucket/path or azure://container/path."""
    oidc: Oidc

    @model_validator(mode="after")
    def _scheme_matches(self) -> ObjectStoreTarget:
        scheme = self.object_store.partition("://")[0]
        if scheme not in _OIDC_SCHEMES[self.oidc.provider]:
            allowed = " or ".join(f"{s}://" for s in _OIDC_SCHEMES[self.oidc.provider])
            raise ValueError(
                f"`object_store` {self.object_store!r} is not a {self.oidc.provider} bucket "
                f"URL ({allowed})"
            )
        return self


class CommandTarget(Model):
    """A command of the team's own, run with MLCI_PACKAGE, MLCI_MODEL, MLCI_VERSION and
    MLCI_STAGE set (and nothing of the workflow's spliced into it)."""

    command: str = Field(min_length=1)


def _target_kind(value: Any) -> str | None:
    """Which target a mapping is, by the one key that names it."""
    if isinstance(value, Mapping):
        kinds = [key for key in ("folder", "object_store", "command") if key in value]
        return kinds[0] if len(kinds) == 1 else None
    tags: dict[type, str] = {
        FolderTarget: "folder",
        ObjectStoreTarget: "object_store",
        CommandTarget: "command",
    }
    return tags.get(type(value))


Target = Annotated[
    Annotated[FolderTarget, Tag("folder")]
    | Annotated[ObjectStoreTarget, Tag("object_store")]
    | Annotated[CommandTarget, Tag("command")],
    Discriminator(
        _target_kind,
        custom_error_type="target",
        custom_error_message="a target has exactly one of `folder`, `object_store` or `command`",
    ),
]


class Deploy(Model):
    """How a model reaches its environments: a registry of git tags in GTO's format."""

    model: RegistryName = "model"
    """The model's name in the registry: tags `<model>@v1.2.3` and `<model>#<stage>#N`."""
    stages: tuple[StageName, ...] = ("staging", "prod")
    """The stages in order: a version reaches a stage only after the one before it."""
    files: tuple[NotAnOption, ...] = ()
    """The model's files (DVC outputs), packaged and served: the first is the model, read
    with skops; a `metadata.json` among them may give its `input_schema`. With files, mlci
    generates the deploy workflow."""
    environments: Mapping[StageName, EnvironmentName] = Field(default_factory=dict)
    """The GitHub environment each stage deploys in (default: the stage's name). Give each
    required reviewers in the repository's settings."""
    release: bool = True
    """Attach each deployed version's package to a GitHub Release of its version tag."""
    container: Container = Container()
    targets: Mapping[StageName, tuple[Target, ...]] = Field(default_factory=dict)
    """Stage -> where else its package goes: a folder, an object store, a command."""

    @model_validator(mode="after")
    def _stages_known(self) -> Deploy:
        repeated = sorted({s for s in self.stages if self.stages.count(s) > 1})
        if repeated:
            raise ValueError(f"`stages` lists {', '.join(repeated)} more than once")
        for key in ("environments", "targets"):
            unknown = sorted(set(getattr(self, key)) - set(self.stages))
            if unknown:
                raise ValueError(
                    f"`{key}` names {', '.join(unknown)}, not among the stages "
                    f"({', '.join(self.stages)})"
                )
        return self

    def environment(self, stage: str) -> str:
        return self.environments.get(stage, stage.replace("/", "-"))

    def uses_oidc(self, stage: str) -> bool:
        return any(isinstance(t, ObjectStoreTarget) for t in self.targets.get(stage, ()))
