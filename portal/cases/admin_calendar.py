"""Admin for the holiday calendar: years (official or provisional, confirmed
from the State Council notice) and the days that differ from the plain week."""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.cases.calendar_seed import confirm_holiday_year, provisional_year_notice
from portal.cases.models import HolidayCalendar, HolidayYear

CONFIRM_ACTION = _("Confirm from the State Council notice")
YEARS_CONFIRMED = _("Confirmed from the State Council notice: %(years)s.")


class ProvisionalWarningMixin:
    """Warn on the changelist while this year or next is provisional."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and (notice := provisional_year_notice()):
            messages.warning(request, notice)
        return super().changelist_view(request, extra_context)


@admin.register(HolidayYear)
class HolidayYearAdmin(ProvisionalWarningMixin, SimpleHistoryAdmin):
    list_display = [
        "year",
        "provisional",
        "source",
        "confirmed_by",
        "confirmed_at",
        "day_count",
    ]
    list_filter = ["provisional"]
    readonly_fields = ["provisional", "confirmed_by", "confirmed_at"]
    actions = ["confirm_from_notice"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("confirmed_by")
            .annotate(day_count=Count("days"))
        )

    @admin.display(description=_("days"), ordering="day_count")
    def day_count(self, obj: HolidayYear) -> int:
        return obj.day_count

    @admin.action(description=CONFIRM_ACTION, permissions=["change"])
    def confirm_from_notice(self, request, queryset):
        years = [
            confirm_holiday_year(holiday_year=holiday_year, actor=request.user).year
            for holiday_year in queryset.order_by("year")
        ]
        self.message_user(
            request,
            YEARS_CONFIRMED % {"years": ", ".join(map(str, years))},
            messages.SUCCESS,
        )


@admin.register(HolidayCalendar)
class HolidayCalendarAdmin(ProvisionalWarningMixin, SimpleHistoryAdmin):
    list_display = ["date", "weekday", "kind", "name", "year"]
    list_editable = ["kind", "name"]
    list_filter = ["year", "kind"]
    search_fields = ["name"]
    date_hierarchy = "date"
    list_per_page = 100

    @admin.display(description=_("weekday"))
    def weekday(self, obj: HolidayCalendar) -> str:
        return date_format(obj.date, "l")

    def save_model(self, request, obj, form, change):
        # The year follows the date; the model sets it only when missing.
        if obj.year_id != obj.date.year:
            obj.year = None
        super().save_model(request, obj, form, change)
