"""SMS backends in the shape of Django's e-mail backends.

A backend is a class with send_messages(messages) -> number sent; the setting
SMS_BACKEND names the one in use. A deployment adds its government SMS
gateway as one subclass of BaseSmsBackend and points SMS_BACKEND at it.

- FileSmsBackend (the default): one file per message under SMS_FILE_PATH
  (var/outbox/sms), for the embedded mode and demos.
- LocmemSmsBackend: keeps messages in `outbox` in memory, for tests.

Idempotency keys. The notifications app sends each copy at least once (see
portal.notifications.services): a copy whose sending was cut short (the
worker died) is sent again, with the same SmsMessage.idempotency_key. A
gateway that accepts a client message id must pass the key as that id, so
it drops the repeat; the file backend names the file after the key, so a
repeat overwrites the same file. Messages without a key (send_sms) are sent
as they come.
"""

import datetime
import os
import re
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_SMS_BACKEND = "portal.notifications.backends.FileSmsBackend"


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    # The same for every attempt at one copy; "" when the sender has none.
    idempotency_key: str = ""


class BaseSmsBackend:
    """Subclasses implement send_messages. Like Django's e-mail backends,
    fail_silently=True means errors are swallowed and not counted."""

    def __init__(self, *, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send_messages(self, messages: list[SmsMessage]) -> int:
        raise NotImplementedError(
            "subclasses of BaseSmsBackend must implement send_messages()"
        )


class FileSmsBackend(BaseSmsBackend):
    """Writes each message to its own file: To, time, the idempotency key if
    any, then the text. A message with a key goes to <key>.sms, written whole
    (a temporary file renamed), so sending it again replaces the one file."""

    def __init__(self, *, file_path=None, **kwargs):
        super().__init__(**kwargs)
        default = Path(settings.BASE_DIR) / "var" / "outbox" / "sms"
        self.file_path = Path(
            file_path or getattr(settings, "SMS_FILE_PATH", None) or default
        )

    def send_messages(self, messages: list[SmsMessage]) -> int:
        sent = 0
        try:
            self.file_path.mkdir(parents=True, exist_ok=True)
        except OSError:
            if not self.fail_silently:
                raise
            return 0
        for message in messages:
            now = datetime.datetime.now(datetime.UTC)
            unique = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
            key = _SAFE_NAME.sub("_", message.idempotency_key)[:150]
            name = f"{key}.sms" if key else f"{now:%Y%m%d-%H%M%S}-{unique}.sms"
            headers = f"To: {message.to}\nDate: {now.isoformat()}\n"
            if message.idempotency_key:
                headers += f"Idempotency-Key: {message.idempotency_key}\n"
            partial = self.file_path / f".{unique}.tmp"
            try:
                partial.write_text(f"{headers}\n{message.body}\n", encoding="utf-8")
                os.replace(partial, self.file_path / name)
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")

outbox: list[SmsMessage] = []
_outbox_lock = threading.Lock()


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps sent messages in portal.notifications.backends.outbox."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        with _outbox_lock:
            outbox.extend(messages)
        return len(messages)


def get_sms_backend(backend: str | None = None, **kwargs) -> BaseSmsBackend:
    path = backend or getattr(settings, "SMS_BACKEND", None) or DEFAULT_SMS_BACKEND
    return import_string(path)(**kwargs)


def send_sms(to: str, body: str, *, fail_silently: bool = False) -> int:
    return get_sms_backend(fail_silently=fail_silently).send_messages(
        [SmsMessage(to=to, body=body)]
    )
