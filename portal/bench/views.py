from django.http import HttpResponse


def bare(request):
    """The yardstick: an HttpResponse behind the full middleware stack, no
    database, no template. Every scenario is reported as a share of it."""
    return HttpResponse(b"ok", content_type="text/plain")
