"""Validates sgaudit's OCSF output against py-ocsf-models' Detection Finding (OCSF 1.5.0), strictly.

Usage: python ocsf_validate.py FILE...   Each FILE holds a JSON array of events. Exits 1 with the reasons when
an event does not validate.

Strict means more than the models do by default: no attribute the schema does not define (extra="forbid" on
every model), no type coercion (strict=True), and the schema's own arithmetic and captions checked by hand
(type_uid, severity, status, confidence).
"""
import json
import sys

import py_ocsf_models
from pydantic import BaseModel
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from py_ocsf_models.events.findings.severity_id import SeverityID
from py_ocsf_models.events.findings.status_id import StatusID


def forbid_extra(model, seen):
    if model in seen:
        return
    seen.add(model)
    model.model_config["extra"] = "forbid"
    for sub in model.__subclasses__():
        forbid_extra(sub, seen)


SEEN = set()
forbid_extra(BaseModel, SEEN)
# A model's schema embeds those of the models it holds as they were when it was built: rebuild until the
# deepest nesting (well under ten levels) has seen the change.
for _ in range(10):
    for model in SEEN:
        if model.__module__.startswith("py_ocsf_models"):
            model.model_rebuild(force=True)

SEVERITY = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}
STATUS = {1: "New", 3: "Suppressed"}
CONFIDENCE = {1: "Low", 2: "Medium", 3: "High"}


def problems(event):
    try:
        DetectionFinding.model_validate_json(json.dumps(event), strict=True)
    except Exception as e:  # pydantic's ValidationError, with every field that failed
        yield str(e)
    if event.get("type_uid") != event.get("class_uid", 0) * 100 + event.get("activity_id", 0):
        yield "type_uid is not class_uid * 100 + activity_id"
    if event.get("class_uid") != 2004 or event.get("category_uid") != 2:
        yield "not a Detection Finding (class 2004, category 2)"
    if event["metadata"].get("version") != py_ocsf_models.OCSF_VERSION:
        yield f"metadata.version is not {py_ocsf_models.OCSF_VERSION}"
    if SEVERITY.get(event["severity_id"]) != event.get("severity"):
        yield f"severity {event.get('severity')!r} is not the caption of severity_id {event['severity_id']}"
    status = event.get("status_id")
    if status != StatusID.Other and STATUS.get(status) != event.get("status"):
        yield f"status {event.get('status')!r} is not the caption of status_id {status}"
    if "confidence_id" in event and CONFIDENCE.get(event["confidence_id"]) != event.get("confidence"):
        yield "confidence is not the caption of confidence_id"
    if not event["finding_info"].get("uid"):
        yield "finding_info.uid is empty"


def main(paths):
    failed = False
    for path in paths:
        events = json.load(open(path))
        if not isinstance(events, list):
            print(f"{path}: not a JSON array")
            failed = True
            continue
        uids = [e["finding_info"]["uid"] for e in events]
        if len(uids) != len(set(uids)):
            print(f"{path}: finding_info.uid repeats")
            failed = True
        for i, event in enumerate(events):
            for problem in problems(event):
                print(f"{path}: event {i} ({event.get('finding_info', {}).get('types')}): {problem}")
                failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
