"""moto_server with the one patch the organisation tests need, so that moto answers as AWS does.

Patch: AssumeRole requires the role to exist in the account its ARN names. AWS refuses a role that does not
exist (or whose trust policy does not allow the caller) with AccessDenied; moto lets any ARN be assumed.
moto's CreateAccount creates the account's OrganizationAccountAccessRole (or the RoleName given), as AWS does,
so an organisation built in moto has the roles AWS would give it, and an account created with another role
name is one whose audit role cannot be assumed.

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

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
