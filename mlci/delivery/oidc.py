"""Short-lived cloud credentials from GitHub Actions' OIDC token, never stored keys.

The job asks the runner for a token with the cloud's audience (the job needs `id-token:
write`), writes it to a file of the job's temporary folder, and points the cloud's own SDK
at it: boto3's web identity, google-auth's external account, azure-identity's workload
identity. Each SDK then exchanges the token for credentials itself, and again when they
expire, so no key is ever held by the job or by mlci.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from mlci.errors import UsageError
from mlci.spec.model import Oidc

TIMEOUT = 30.0


def audience(oidc: Oidc) -> str:
    if oidc.provider == "aws":
        return "sts.amazonaws.com"
    if oidc.provider == "azure":
        return "api://AzureADTokenExchange"
    return f"https://iam.googleapis.com/{oidc.workload_identity_provider}"


def request_token(environ: Mapping[str, str], wanted: str) -> str:
    """The job's OIDC token for audience `wanted`, from the runner."""
    url = environ.get("ACTIONS_ID_TOKEN_REQUEST_URL")
    bearer = environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    if not url or not bearer:
        raise UsageError(
            "no OIDC token to be had: the deploy job needs `permissions: id-token: write` "
            "(mlci generate writes it for stages with an object store target)"
        )
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    request = urllib.request.Request(
        f"{url}{separator}audience={urllib.parse.quote(wanted, safe='')}",
        headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            found = json.loads(reply.read(1 << 20))
    except (OSError, ValueError) as error:
        raise UsageError(f"the runner gave no OIDC token: {error}") from None
    token = found.get("value") if isinstance(found, dict) else None
    if not isinstance(token, str) or not token:
        raise UsageError("the runner's OIDC reply holds no token")
    return token


def credentials_environment(oidc: Oidc, token: str, folder: Path) -> dict[str, str]:
    """The variables that make the cloud's SDK exchange `token`, kept in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    token_file = folder / "oidc-token"
    token_file.touch(mode=0o600)  # readable by the job alone before the token is in it
    token_file.chmod(0o600)
    token_file.write_text(token)
    if oidc.provider == "aws":
        assert oidc.role is not None  # the model requires it
        found = {
            "AWS_ROLE_ARN": oidc.role,
            "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
            "AWS_ROLE_SESSION_NAME": "mlci-deploy",
        }
        if oidc.region:
            found["AWS_REGION"] = found["AWS_DEFAULT_REGION"] = oidc.region
        return found
    if oidc.provider == "azure":
        assert oidc.client_id is not None and oidc.tenant_id is not None
        return {
            "AZURE_CLIENT_ID": oidc.client_id,
            "AZURE_TENANT_ID": oidc.tenant_id,
            "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
        }
    config = {
        "type": "external_account",
        "audience": f"//iam.googleapis.com/{oidc.workload_identity_provider}",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "service_account_impersonation_url": (
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
            f"{oidc.service_account}:generateAccessToken"
        ),
        "credential_source": {"file": str(token_file), "format": {"type": "text"}},
    }
    config_file = folder / "gcp-credentials.json"
    config_file.write_text(json.dumps(config, indent=2))
    return {"GOOGLE_APPLICATION_CREDENTIALS": str(config_file)}
