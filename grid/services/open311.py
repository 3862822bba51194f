"""Open311 clients and the requests they file."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from grid.models import GridEvent, Open311Client
from grid.selectors import grids_containing
from portal.accounts.services import get_system_user
from portal.cases import workflow
from portal.cases.models import CaseKind, ServiceCategory

DESCRIPTION_REQUIRED = _("description is required.")
LOCATION_REQUIRED = _("lat and long, or address_string, are required.")

KEY_PREFIX_LENGTH = 8


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_key_assign(*, client: Open311Client) -> str:
    """Give the client a new API key and save it; return the key, which is
    stored only as a hash and cannot be shown again."""
    key = secrets.token_urlsafe(32)
    client.key_prefix = key[:KEY_PREFIX_LENGTH]
    client.key_hash = hash_key(key)
    client.save()
    return key


def open311_client_create(*, name: str, acts_as=None) -> tuple[Open311Client, str]:
    client = Open311Client(name=name, acts_as=acts_as)
    return client, open311_key_assign(client=client)


def open311_client_for_key(key: str) -> Open311Client | None:
    if not key:
        return None
    return (
        Open311Client.objects.select_related("acts_as")
        .filter(key_hash=hash_key(key), is_active=True)
        .first()
    )


def open311_request_file(
    *,
    client: Open311Client,
    category: ServiceCategory,
    description: str,
    latitude=None,
    longitude=None,
    address: str = "",
    attributes: dict | None = None,
    contact: dict | None = None,
) -> GridEvent:
    """File a grid event from an Open311 client: at the community of the grid
    the point lies in, else with the category's department."""
    if not description.strip():
        raise ValidationError({"description": [DESCRIPTION_REQUIRED]})
    if (latitude is None or longitude is None) and not address.strip():
        raise ValidationError({"lat": [LOCATION_REQUIRED]})
    grid = None
    if latitude is not None and longitude is not None:
        grid = next(iter(grids_containing(latitude, longitude)), None)
    submitter = client.acts_as or get_system_user()
    with transaction.atomic():
        case = workflow.submit_case(
            category=category,
            submitter=submitter,
            # The client's account is not a resident; the contact the client
            # sent is kept on the GridEvent.
            applicant=None,
            title=f"{category.name}：{description.strip().splitlines()[0][:40]}",
            description=description,
            details=attributes or {},
            department=grid.community if grid else None,
            kind=CaseKind.GRID_EVENT,
        )
        event = GridEvent(
            case=case,
            grid=grid,
            reporter=submitter,
            latitude=latitude,
            longitude=longitude,
            address=address.strip()[:200],
            source=GridEvent.Source.OPEN311,
            open311_client=client,
            contact={k: v for k, v in (contact or {}).items() if v},
        )
        event._history_user = submitter
        event.save()
    return event
