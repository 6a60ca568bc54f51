"""The way in (issue 14): `/` sends each person where their work is, `/m/` leads there too, and a safety
manager's list of the enterprise's posts with their QR links and card state."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from mobile import selectors
from mobile.views import LOGIN, _errors_as_pages, _int_param, _page, _supervisor_page


@require_GET
def home(request):
    """Anyone: what the product is and the login; a person: their posts (the phone pages), their
    rectification tasks, and the pages of their roles."""
    if not request.user.is_authenticated:
        return _page(request, "mobile/home.html", {})
    return _supervisor_page(request, "mobile/home.html", {"home": selectors.home_for(request.user)})


@require_GET
def home_redirect(request):
    return redirect("home")


@require_GET
@login_required(login_url=LOGIN)
@_errors_as_pages
def posts_list(request):
    page = selectors.posts_page(
        person=request.user, enterprise_id=_int_param(request.GET.get("enterprise"), "enterprise")
    )
    return _supervisor_page(request, "mobile/posts.html", {"page": page})
