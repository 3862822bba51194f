"""The static files' storage in production: whitenoise's compressed
manifest storage, each file's URL worked out once per process."""

from whitenoise.storage import CompressedManifestStaticFilesStorage

# Names remembered at most: the templates' and the forms' media name a few
# hundred files; a name from elsewhere beyond these is worked out each time.
REMEMBERED_URLS = 2000


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """url(name) is asked 18 to 24 times on an admin page ({% static %} and
    the forms' media: the admin's style sheets and scripts), and Django's
    manifest storage parses the name, looks up its hashed name and joins it
    to STATIC_URL every time: ~40 µs a call, about 1 ms of an admin page on
    the bench machine (2026-12, AMD EPYC, 100k). The manifest is read once,
    when the storage is made (a deployment changes it with collectstatic
    and a restart), so a name's URL is the same for the life of the
    process. A name missing from the manifest still raises each time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = super().url(name)
            if len(self._urls) < REMEMBERED_URLS:
                self._urls[name] = url
            return url
