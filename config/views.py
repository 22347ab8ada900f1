from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A forged or expired form: a clear page, never a crash (the reason stays in the logs)."""
    return render(request, "csrf_failure.html", status=403)
