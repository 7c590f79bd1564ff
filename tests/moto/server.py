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

Patch 4, only with SGAUDIT_MOTO_COMPLETE=1 (the tests that need a region read completely): the three calls of
sgaudit's collection that moto does not serve answer as AWS does for an account with none of them.
DescribeServerlessCaches lists no caches (moto cannot create any); DescribeDBProxyEndpoints lists none where
the region has no RDS proxy (elsewhere moto's own failure stays, a gap); Redshift Serverless ListWorkgroups
lists none (moto does not serve the service). POST /_sgaudit/deny-serverless-caches then makes
DescribeServerlessCaches answer AccessDenied, as a policy without elasticache:DescribeServerlessCaches would:
a region with one denied call.

Patch 5: Logs Insights' `stats`. moto's StartQuery ignores `stats` and answers the raw events, so the aggregate
query sgaudit sends for flow logs in CloudWatch Logs could not be answered as AWS answers it. This implements
the commands that query uses, as the Logs Insights documentation describes them: `parse @message "GLOB" as
a, b, …` (each `*` captures up to the next literal; the last captures the rest; an event that does not match
gets no fields), `stats count(*) | sum(f) | min(f) | max(f) as name, … by k, …` (one row per distinct key;
a key an event lacks is left out of its row; sums, minimums and maximums of numeric values only, written with
a fraction, `30.0`, so that the reader is held to both ways of writing a number), and `limit N`. Any other
query goes to moto's own engine.

Patch 6: POST /_sgaudit/deny/SERVICE:Action makes that action answer as a policy without it would, from then
on: CloudWatch Logs' JSON actions (logs:StartQuery, logs:FilterLogEvents) with AccessDeniedException, and
s3:GetObject (a GET of an object, path style) with 403 AccessDenied. moto does not enforce IAM policies.

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

import io  # noqa: E402
import os  # noqa: E402
from urllib.parse import parse_qs  # noqa: E402

import moto.server  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402
from moto.rds.models import rds_backends  # noqa: E402

DENIED = set()
ACCOUNT = "123456789012"


def xml(start_response, status, text):
    start_response(status, [("Content-Type", "text/xml")])
    return [text.encode()]


def query_response(action, namespace, result):
    return (
        f'<{action}Response xmlns="{namespace}"><{action}Result>{result}</{action}Result>'
        f"<ResponseMetadata><RequestId>sgaudit-patch</RequestId></ResponseMetadata></{action}Response>"
    )


class Denials(DomainDispatcherApplication):
    """Patch 6."""

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sgaudit/deny/"):
            DENIED.add(path.rsplit("/", 1)[1])
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"denied"]
        if "s3:GetObject" in DENIED and environ.get("REQUEST_METHOD") == "GET" and "/s3/" in environ.get(
                "HTTP_AUTHORIZATION", "") and "list-type" not in environ.get("QUERY_STRING", "") and environ.get(
                "PATH_INFO", "/").strip("/").count("/") >= 1:
            return xml(start_response, "403 Forbidden",
                       '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access '
                       'Denied</Message><RequestId>sgaudit-patch</RequestId></Error>')
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("Logs_20140328.") and "logs:" + target.split(".", 1)[1] in DENIED:
            action = target.split(".", 1)[1]
            start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1")])
            return [json.dumps({
                "__type": "AccessDeniedException",
                "message": f"User: arn:aws:iam::{ACCOUNT}:user/moto is not authorized to perform: logs:{action}",
            }).encode()]
        return super().__call__(environ, start_response)


class Complete(Denials):
    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/_sgaudit/deny-serverless-caches":
            DENIED.add("DescribeServerlessCaches")
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"denied"]
        auth = environ.get("HTTP_AUTHORIZATION", "")
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/") if "Credential=" in auth else []
        service, region = (scope[3], scope[2]) if len(scope) == 5 else (None, None)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [None])[0]
        if service == "redshift-serverless" and environ.get("HTTP_X_AMZ_TARGET", "").endswith(".ListWorkgroups"):
            start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1")])
            return [json.dumps({"workgroups": []}).encode()]
        if service == "elasticache" and action == "DescribeServerlessCaches":
            if "DescribeServerlessCaches" in DENIED:
                return xml(start_response, "403 Forbidden",
                           "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not "
                           "authorized to perform: elasticache:DescribeServerlessCaches</Message></Error>"
                           "<RequestId>sgaudit-patch</RequestId></ErrorResponse>")
            return xml(start_response, "200 OK", query_response(
                action, "http://elasticache.amazonaws.com/doc/2015-02-02/", "<ServerlessCaches/>"))
        if service == "rds" and action == "DescribeDBProxyEndpoints" and not rds_backends[ACCOUNT][region].db_proxies:
            return xml(start_response, "200 OK", query_response(
                action, "http://rds.amazonaws.com/doc/2014-10-31/", "<DBProxyEndpoints/>"))
        return super().__call__(environ, start_response)


moto.server.DomainDispatcherApplication = Complete if os.environ.get("SGAUDIT_MOTO_COMPLETE") else Denials

import re  # noqa: E402

import moto.logs.models as logs_models  # noqa: E402

_execute_query = logs_models.execute_query


def glob(pattern):
    """A `parse` glob as a regular expression: each `*` up to the next literal, the last to the end."""
    parts = [re.escape(p) for p in pattern.split("*")]
    return re.compile("(.*?)".join(parts[:-1]) + "(.*)" + parts[-1] if len(parts) > 1 else parts[0])


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def insights_stats(log_groups, query, start_time, end_time):
    """Patch 5: the `parse`, `stats` and `limit` commands of a Logs Insights query."""
    parse, aggregates, keys, limit = None, [], [], 10000
    for command in (c.strip() for c in query.split("|")):
        m = re.fullmatch(r'parse @message "(.*)" as (.*)', command, re.S)
        if m:
            parse = (glob(m.group(1)), [n.strip() for n in m.group(2).split(",")])
            continue
        m = re.fullmatch(r"stats (.*?)(?: by (.*))?", command, re.S)
        if m:
            for a in m.group(1).split(","):
                f = re.fullmatch(r"\s*(count|sum|min|max)\(([^)]*)\) as (\w+)\s*", a)
                aggregates.append((f.group(1), f.group(2).strip(), f.group(3)))
            keys = [k.strip() for k in (m.group(2) or "").split(",") if k.strip()]
            continue
        m = re.fullmatch(r"limit (\d+)", command)
        if m:
            limit = int(m.group(1))
    rows = {}
    for group in log_groups:
        for stream in group.streams.values():
            for event in stream.events:
                if start_time and event.timestamp < start_time * 1000:
                    continue
                if end_time and event.timestamp > end_time * 1000:
                    continue
                fields = {}
                if parse:
                    m = parse[0].fullmatch(event.message)
                    if m:
                        fields = dict(zip(parse[1], m.groups()))
                key = tuple(fields.get(k) for k in keys)
                row = rows.setdefault(key, {})
                for how, field, name in aggregates:
                    if how == "count":
                        row[name] = row.get(name, 0) + 1
                        continue
                    value = number(fields.get(field))
                    if value is None:
                        continue
                    if how == "sum":
                        row[name] = row.get(name, 0.0) + value
                    elif name not in row:
                        row[name] = value
                    else:
                        row[name] = min(row[name], value) if how == "min" else max(row[name], value)
    out = []
    for key, values in rows.items():
        result = {k: v for k, v in zip(keys, key) if v is not None}
        result.update({n: (str(v) if isinstance(v, float) else v) for n, v in values.items()})
        out.append(result)
    return out[:limit]


def execute_query(log_groups, query, start_time, end_time):
    if re.search(r"\|\s*stats ", query):
        return insights_stats(log_groups, query, start_time, end_time)
    return _execute_query(log_groups=log_groups, query=query, start_time=start_time, end_time=end_time)


logs_models.execute_query = execute_query

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
