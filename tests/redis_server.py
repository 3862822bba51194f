"""The Redis server the tests that need one use (CI starts it on 127.0.0.1:6379):
their module's ``pytestmark = needs_redis()`` skips them where none answers."""

import socket

import pytest

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


def needs_redis() -> list:
    return [
        pytest.mark.redis,
        pytest.mark.skipif(
            not redis_reachable(),
            reason=f"needs Redis on {REDIS_HOST}:{REDIS_PORT} (CI starts it)",
        ),
    ]
