"""moto_server with the patches the organisation and Security Hub tests need, so that moto answers as AWS does.

Patch 1: AssumeRole requires the role to exist in the account its ARN names. AWS refuses a role that does not
exist (or whose trust policy does not allow the caller) with AccessDenied; moto lets any ARN be assumed.
moto's CreateAccount creates the account's OrganizationAccountAccessRole (or the RoleName given), as AWS does,
so an organisation built in moto has the roles AWS would give it, and an account created with another role
name is one whose audit role cannot be assumed.

Patch 2: Security Hub refuses GetFindings and BatchImportFindings with InvalidAccessException in an account
and region where it is not enabled, as AWS does; moto serves them anyway.

Patch 3: BatchUpdateFindings (PATCH /findings/batchupdate), which moto does not serve: it sets the workflow
status of the findings named by Id and ProductArn, and lists the others as UnprocessedFindings with
FindingNotFound, as AWS does. Only Workflow is implemented, the one field sgaudit updates.

Run as moto_server: python tests/moto/server.py -H 127.0.0.1 -p PORT
"""

import sys

from moto.iam.models import iam_backends
from moto.sts.exceptions import STSClientError
from moto.sts.models import STSBackend


class AccessDenied(STSClientError):
    code = "AccessDenied"


_assume_role = STSBackend.assume_role


def role_exists(role_arn):
    parts = role_arn.split(":")
    if len(parts) != 6 or not parts[4]:
        return False
    name = role_arn.rsplit("/", 1)[-1]
    return any(r.name == name for r in iam_backends[parts[4]]["global"].roles.values())


def assume_role(self, region_name, role_session_name, role_arn, policy, duration, external_id):
    if not role_exists(role_arn):
        raise AccessDenied(
            f"User: arn:aws:iam::{self.account_id}:user/moto is not authorized to perform: "
            f"sts:AssumeRole on resource: {role_arn}"
        )
    return _assume_role(self, region_name, role_session_name, role_arn, policy, duration, external_id)


STSBackend.assume_role = assume_role

import json  # noqa: E402

from moto.securityhub import urls as securityhub_urls  # noqa: E402
from moto.securityhub.exceptions import SecurityHubClientError  # noqa: E402
from moto.securityhub.models import SecurityHubBackend  # noqa: E402
from moto.securityhub.responses import SecurityHubResponse  # noqa: E402


def not_enabled():
    return SecurityHubClientError("InvalidAccessException", "Account is not subscribed to AWS Security Hub")


def requires_hub(method):
    def patched(self, *args, **kwargs):
        if not self.enabled:
            raise not_enabled()
        return method(self, *args, **kwargs)

    return patched


SecurityHubBackend.get_findings = requires_hub(SecurityHubBackend.get_findings)
SecurityHubBackend.batch_import_findings = requires_hub(SecurityHubBackend.batch_import_findings)


def batch_update_findings(self):
    backend = self.securityhub_backend
    if not backend.enabled:
        raise not_enabled()
    body = json.loads(self.body.decode("utf-8") if isinstance(self.body, bytes) else self.body)
    status = (body.get("Workflow") or {}).get("Status")
    processed, unprocessed = [], []
    for ident in body.get("FindingIdentifiers", []):
        finding = next((f for f in backend.findings if f.id == ident.get("Id")), None)
        if finding is None or finding.data.get("ProductArn") != ident.get("ProductArn"):
            unprocessed.append({"FindingIdentifier": ident, "ErrorCode": "FindingNotFound",
                                "ErrorMessage": "Finding Not Found"})
            continue
        if status:
            finding.data["Workflow"] = {"Status": status}
        processed.append(ident)
    return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})


SecurityHubResponse.batch_update_findings = batch_update_findings
securityhub_urls.url_paths["{0}/findings/batchupdate$"] = SecurityHubResponse.dispatch

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
