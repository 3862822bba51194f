"""`unread_notifications` in every template: the number of unread inbox
messages, counted only when a template reads it."""

from django.utils.functional import SimpleLazyObject

from portal.notifications.selectors import unread_count


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
