"""The in-site inbox (站内信): the list, opening and marking read, and the
choice of extra channels. Every view shows the signed-in user's own messages
only; someone else's answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from portal.notifications import selectors, services
from portal.notifications.forms import PreferenceForm
from portal.notifications.models import Notification

PER_PAGE = 20
ALL_READ = _("All messages are marked as read.")
PREFERENCES_SAVED = _("Your choice of channels is saved.")


def _get_own(request, pk) -> Notification:
    try:
        return selectors.notification_get_for_user(user=request.user, pk=pk)
    except Notification.DoesNotExist as error:
        raise Http404 from error


@login_required
def inbox(request):
    queryset = selectors.inbox(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread_only": unread_only},
    )


@login_required
@require_POST
def mark_read(request, pk):
    notification = _get_own(request, pk)
    services.notification_mark_read(notification=notification, user=request.user)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = notification.link or reverse("notifications:inbox")
    return redirect(target)


@login_required
@require_POST
def mark_all_read(request):
    services.notifications_mark_all_read(user=request.user)
    messages.success(request, ALL_READ)
    return redirect("notifications:inbox")


@login_required
def preferences(request):
    form = PreferenceForm(
        request.POST or None,
        instance=services.preference_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        services.preference_update(
            user=request.user,
            sms=form.cleaned_data["sms"],
            email=form.cleaned_data["email"],
        )
        messages.success(request, PREFERENCES_SAVED)
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "sms_possible": bool(request.user.mobile and request.user.mobile_verified),
        },
    )
