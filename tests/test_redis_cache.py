"""portal.redis_cache: Django's Redis cache with one redis-py client per
connection pool, instead of a new ``redis.Redis`` for every call."""

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from portal.redis_cache import KeptClientRedisCache
from tests.redis_server import REDIS_HOST, REDIS_PORT, needs_redis

REDIS_DB = 13
pytestmark = needs_redis()

LOCATION = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"


@pytest.fixture
def caches():
    kept = KeptClientRedisCache(LOCATION, {"KEY_PREFIX": "kept"})
    django = RedisCache(LOCATION, {"KEY_PREFIX": "kept"})
    yield kept, django
    redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB).flushdb()


def test_the_cache_answers_as_djangos(caches):
    """What one writes the other reads: the same keys, values and
    expiries (the calls are Django's own; only the client is kept)."""
    kept, django = caches
    value = {"department": [(1, "区住建局")], "category": [(7, "楼道漏水")]}
    kept.set("choices", value, 60)
    assert django.get("choices") == value
    django.set("count", 10_001, 60)
    assert kept.get("count") == 10_001
    assert kept.get_many(["choices", "count", "missing"]) == {
        "choices": value,
        "count": 10_001,
    }
    assert kept.add("count", 1) is False
    assert kept.incr("count") == 10_002
    assert kept.touch("count", 60) is True
    kept.delete("count")
    assert django.get("count") is None
    assert kept.get("missing", "default") == "default"


def test_one_client_serves_every_call(caches, monkeypatch):
    """The redis-py client is made once per pool, not once per call."""
    kept, _django = caches
    kept.get("warm")
    made = []
    init = redis.Redis.__init__

    def counting_init(self, *args, **kwargs):
        made.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting_init)
    for index in range(20):
        kept.set(f"key{index}", index)
        assert kept.get(f"key{index}") == index
    assert made == []
    assert kept._cache.get_client() is kept._cache.get_client(write=True)
