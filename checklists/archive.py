"""The archive's hash chain: what a record's hash covers and how it is computed.

hash = sha256(prev_hash + "\n" + canonical JSON of the record). The first record of an enterprise
has prev_hash "". Changing what goes into `inspection_record` breaks every stored chain: don't.
"""

import hashlib
import json
from datetime import UTC, datetime


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def inspection_record(inspection, results, photo_hashes: dict) -> dict:
    """The content that the archive hash covers, from an Inspection and its InspectionResults;
    `photo_hashes` maps id(result) -> [sha256 of its photos]."""
    record = {
        "enterprise": inspection.enterprise_id,
        "sequence": inspection.sequence,
        "client_uuid": str(inspection.client_uuid),
        "post": inspection.post_id,
        "template": inspection.template_id,
        "tier": inspection.tier,
        "period": inspection.period,
        "started_at": utc_iso(inspection.started_at),
        "received_at": utc_iso(inspection.received_at),
        "submitted_by": inspection.submitted_by_id,
        "scan_token": inspection.scan_token_id,
        "on_site": inspection.on_site,
        "late": inspection.late,
        "corrects": inspection.corrects_id,
        "results": [
            {
                "item": r.item_id,
                "item_label": r.item_label,
                "kind": r.kind,
                "value": r.value,
                "outcome": r.outcome,
                "note": r.note,
                "photos": sorted(photo_hashes.get(id(r), [])),
            }
            for r in sorted(results, key=lambda r: r.item_id)
        ],
    }
    # Issue 12: the scan the record cites, when the phone said it finished, and the flags (code, label,
    # detail). Each only when set, so that the records stored before hash as they did.
    if inspection.scan_event_id is not None:
        record["scan_event"] = inspection.scan_event_id
    if inspection.finished_at is not None:
        record["finished_at"] = utc_iso(inspection.finished_at)
    if inspection.flags:
        record["flags"] = inspection.flags
    # The phone's position (posts with a fence, issue 12) is covered too. Only when there is one, so
    # the records stored before it hash as they did.
    if inspection.position_latitude is not None:
        record["position"] = {
            "latitude": f"{inspection.position_latitude:.6f}",
            "longitude": f"{inspection.position_longitude:.6f}",
            "accuracy_m": f"{inspection.position_accuracy_m:.1f}",
        }
    return record


def archive_hash(prev_hash: str, record: dict) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical_json(record)).encode()).hexdigest()
