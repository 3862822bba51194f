"""A dump of the whole database holds no identity number in the clear."""

import shutil
import subprocess

import pytest
from django.db import connection
from django.urls import reverse

from portal.accounts.tests.factories import ResidentFactory, UserFactory, make_resident_id

NUMBERS = [make_resident_id(71), make_resident_id(72, birth="19851111")]


def _dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    settings = connection.settings_dict
    if shutil.which("pg_dump"):
        command = ["pg_dump", "--data-only", "-h", settings["HOST"] or "127.0.0.1"]
        if settings["PORT"]:
            command += ["-p", str(settings["PORT"])]
        command += ["-U", settings["USER"], settings["NAME"]]
        env = {"PGPASSWORD": settings["PASSWORD"] or ""}
        return subprocess.run(
            command, capture_output=True, text=True, check=True, env=env
        ).stdout
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            parts.append(repr(cursor.fetchall()))
    return "\n".join(parts)


def _assert_no_number_in(dump):
    for number in NUMBERS:
        for form in (number, number.lower(), number[:17], number[6:14] + number[14:17]):
            assert form not in dump


def _store_numbers(client):
    # One number through the model (with a history row), one through the
    # resident's own real-name step.
    ResidentFactory(resident_id=NUMBERS[0])
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)
    client.post(reverse("real_name"), {"real_name": "王小明", "resident_id": NUMBERS[1]})
    newcomer.refresh_from_db()
    assert newcomer.resident_id == NUMBERS[1]
    client.logout()


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_holds_no_identity_number(client):
    _store_numbers(client)
    dump = _dump()
    assert "enc1$" in dump  # the dump did read the user table
    _assert_no_number_in(dump)


@pytest.mark.django_db(transaction=True)
def test_a_failed_login_naming_a_number_leaves_it_nowhere(client):
    _store_numbers(client)
    client.post(reverse("login"), {"username": NUMBERS[1], "password": "whatever-123"})
    _assert_no_number_in(_dump())
