"""Django's Redis cache, with one redis-py client per connection pool.

Django's RedisCacheClient.get_client makes a new ``redis.Redis`` for every
cache call, and redis-py builds its table of ~165 response callbacks in
every ``Redis()`` (redis/redis-py#3624): ~40 % of a ``cache.get``'s CPU
(cProfile, 1,000 gets of the case list's filter choices). Every logged-in
page makes one to three (its session, cached_db; the case list's filter
choices and remembered count). A ``Redis`` only holds its pool and
callbacks, and each thread has its own cache backend (django.core.cache's
handler), so one client per pool serves every call of that backend.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # pool index -> its redis.Redis

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class KeptClientRedisCache(RedisCache):
    """CACHES' backend for a redis:// CACHE_URL (portal.settings)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
