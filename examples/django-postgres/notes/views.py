import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .models import Note

log = logging.getLogger(__name__)

MAX_LISTED = 100


def index(request):
    """HTML page: a form, the number of rows and the newest notes."""
    notes = Note.objects.all()
    context = {
        "count": notes.count(),
        "notes": notes[:MAX_LISTED],
        "max_listed": MAX_LISTED,
    }
    return render(request, "notes/index.html", context)


@require_http_methods(["GET", "POST"])
def add(request):
    """Write a row, then redirect to the list.

    POST is what the form on / sends (with its CSRF token). GET
    /add?title=...&body=... does the same and exists so a script or a test
    can add a row with a plain curl; it is a development convenience.
    """
    data = request.POST if request.method == "POST" else request.GET
    title = data.get("title", "").strip()
    if not title:
        return HttpResponseBadRequest("title is required\n", content_type="text/plain")
    if len(title) > Note._meta.get_field("title").max_length:
        return HttpResponseBadRequest("title is too long\n", content_type="text/plain")
    note = Note.objects.create(title=title, body=data.get("body", ""))
    log.info("added note %s: %s", note.pk, note.title)
    return redirect("index")


def health(request):
    """'ok' once a round trip to PostgreSQL works, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            (one,) = cursor.fetchone()
        if one != 1:
            raise DatabaseError("SELECT 1 returned %r" % (one,))
    except DatabaseError as exc:
        log.warning("health check failed: %s", exc)
        return HttpResponse("db unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
