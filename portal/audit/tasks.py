from celery import shared_task

from portal.audit import services


@shared_task(name="audit.prune")
def prune_audit() -> int:
    """Daily from beat: what is old enough is read from the table each time."""
    return services.prune()
