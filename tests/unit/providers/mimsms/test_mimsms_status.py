from __future__ import annotations

import pytest

from pytest_smsmock.core.messages import Status
from pytest_smsmock.providers.infobip import rest_status as v1

# The document's GSM error table, id -> permanent ("NULL" for 0 reads as false).
DOCUMENT_ERRORS = {
    0: False, 1: True, 5: False, 6: False, 9: True, 10: False, 11: True, 12: True, 13: False,
    20: False, 21: False, 27: False, 31: False, 32: False, 33: False, 34: False, 35: True,
    36: True, 51: False, 71: True, 72: True, 255: True, 256: False, 257: False, 258: False,
    259: False, 260: False, 261: False, 262: False, 500: False, 502: False, 503: False,
    504: False, 507: False, 508: False, 509: False, 511: False, 1024: False, 1025: False,
    1026: False, 1027: False, 1028: False, 1029: False, 1030: False, 1031: False, 1152: False,
    1153: False, 1154: False, 1155: False, 1156: False, 1157: False, 1158: False, 1159: False,
    1160: False, 1161: False, 1162: False, 1163: False, 1164: False, 1165: False, 1166: False,
    1281: False, 1282: False, 1283: False, 1284: False, 1536: False, 1537: False, 1538: False,
    1539: False, 1540: False, 1541: False, 1792: False, 1793: False, 1794: False, 1795: False,
    1796: False, 2048: False, 2049: True, 2050: True, 2051: False, 4096: True, 4097: True,
    4100: True, 4101: True, 4102: False,
}  # fmt: skip


def test_the_status_table_has_every_row_of_the_document() -> None:
    assert sorted(v1.STATUSES) == list(range(1, 26))
    groups = {s.id: s.group_id for s in v1.STATUSES.values()}
    assert [i for i, g in groups.items() if g == 1] == [1, 3, 7]
    assert [i for i, g in groups.items() if g == 2] == [4, 9]
    assert [i for i, g in groups.items() if g == 3] == [2, 5]
    assert [i for i, g in groups.items() if g == 4] == [15, 22]
    with_action = {s.id: s.action for s in v1.STATUSES.values() if s.action is not None}
    assert with_action == {
        6: "Contact account manager",
        13: "Remove sender from blacklist",
        14: "Remove destination from blacklist",
        17: "Top-Up your account to extend the validty period",
        19: "Contact account manager",
        20: "STOP SPAMMING",
    }


def test_status_objects_carry_action_only_where_the_table_has_one() -> None:
    assert v1.STATUSES[6].to_dict() == {
        "groupId": 5,
        "groupName": "REJECTED",
        "id": 6,
        "name": "REJECTED_NETWORK",
        "description": "Network is forbidden",
        "action": "Contact account manager",
    }
    assert "action" not in v1.STATUSES[5].to_dict()


def test_the_error_table_has_every_gsm_code_with_permanent() -> None:
    assert {code: e.permanent for code, e in v1.ERRORS.items()} == DOCUMENT_ERRORS
    assert v1.NO_ERROR.to_dict() == {
        "groupId": 0,
        "groupName": "OK",
        "id": 0,
        "name": "NO_ERROR",
        "description": "No Error",
        "permanent": False,
    }
    assert {e.group_id for e in v1.ERRORS.values()} == {0, 1, 2, 3}
    assert v1.ERRORS[4096].name == "EC_invalidPduFurmat"  # the document's spelling


@pytest.mark.parametrize(
    ("native", "canonical"),
    [
        ("DELIVERED_TO_HANDSET", Status.DELIVERED),
        (5, Status.DELIVERED),
        ("5", Status.DELIVERED),
        ("delivered_to_operator", Status.DELIVERED),
        ("PENDING_ENROUTE", Status.ENROUTE),
        ("UNDELIVERABLE_NOT_DELIVERED", Status.UNDELIVERABLE),
        ("EXPIRED_EXPIRED", Status.EXPIRED),
        ("EXPIRED_UNKNOWN", Status.UNKNOWN),
        ("REJECTED_DND", Status.REJECTED),
        (0, Status.ACCEPTED),
        ("delivered", Status.DELIVERED),
        ("rejected", Status.REJECTED),
    ],
)
def test_native_names_and_ids_map_to_canonical(native: str | int, canonical: Status) -> None:
    assert v1.to_canonical(native) is canonical


@pytest.mark.parametrize("status", list(Status))
def test_every_canonical_status_has_a_native_one_that_maps_back(status: Status) -> None:
    native, _ = v1.from_canonical(status)
    back = v1.to_canonical(native.id)
    expected = {Status.SCHEDULED: Status.ACCEPTED, Status.DELETED: Status.UNDELIVERABLE}
    assert back is expected.get(status, status)


def test_unknown_status_names_fail_with_the_accepted_values() -> None:
    with pytest.raises(ValueError, match="DELIVERED_TO_HANDSET") as info:
        v1.to_canonical("DELIVRED")
    assert "delivered" in str(info.value)
    with pytest.raises(ValueError):
        v1.to_canonical(99)
    with pytest.raises(ValueError):
        v1.to_canonical(True)


def test_errors_come_from_the_scenario_error_or_a_default_per_status() -> None:
    assert v1.from_canonical(Status.DELIVERED)[1] is v1.NO_ERROR
    assert v1.from_canonical(Status.UNDELIVERABLE, 6)[1].name == "EC_ABSENT_SUBSCRIBER_SM"
    assert v1.from_canonical(Status.UNDELIVERABLE, "ec_call_barred")[1].id == 13
    assert v1.from_canonical(Status.EXPIRED)[1].name == "EC_ValidityExpired"
    assert v1.from_canonical(Status.UNDELIVERABLE, 4242)[1].name == "EC_UNKNOWN_ERROR"
    native, error = v1.from_canonical(Status.REJECTED, native="REJECTED_DND")
    assert (native.id, error.id) == (10, 0)
    native, error = v1.from_canonical(Status.REJECTED, "ec_call_barred", native="REJECTED_DND")
    assert (native.name, error.id) == ("REJECTED_DND", 13)


def test_a_native_name_of_another_class_does_not_replace_the_status() -> None:
    native, error = v1.from_canonical(Status.DELIVERED, native="REJECTED_DND")
    assert (native.name, error.name) == ("DELIVERED_TO_HANDSET", "NO_ERROR")
