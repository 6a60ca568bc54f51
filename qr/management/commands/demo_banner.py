"""What `make run` shows before the server starts: where to go, who to log in as, and a QR code of
the worker's post to scan with a phone."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from core.exports import display_width
from orgs.models import Person
from qr.management.commands.seed_demo import DEMO_PASSWORD, ENTERPRISES, PEOPLE
from qr.services import qr_terminal_text, qr_token_issue, qr_url

ROLE_LABELS = {
    "worker": "worker 作业人员",
    "safety_officer": "safety_officer 安全员",
    "safety_director": "safety_director 安全总监",
    "principal": "principal 主要负责人",
    "admin": "admin 企业管理员 + Django superuser",
}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def pad(text: str, width: int) -> str:
    """Left-justify in a terminal, where a Chinese character takes two columns."""
    return text + " " * max(1, width - display_width(text))


class Command(BaseCommand):
    help = "Print the demo's URLs, logins and the QR code of the worker's post (run seed_demo first)."

    def handle(self, *args, **options):
        worker = Person.objects.filter(username="worker").first()
        post = worker.posts_held.select_related("enterprise").order_by("id").first() if worker else None
        if post is None:
            raise CommandError("no demo data: run `python manage.py seed_demo` first")
        token = qr_token_issue(post=post).token
        scan_url = qr_url(token)
        base = settings.PUBLIC_BASE_URL
        out = self.stdout.write

        out("")
        out("mingbai demo")
        out(f"  Start here    {base}{reverse('home')}   (log in: each person is sent to their work)")
        out(f"  API root      {base}/api/v1/")
        out(f"  Swagger UI    {base}/api/docs/")
        out(f"  Django admin  {base}/admin/")
        out(f"  Health        {base}/healthz")
        out(f"  Phone page    {scan_url}   ({post.enterprise.name} / {post.name}; what the QR code opens)")
        out(f"  Scan (JSON)   {base}/api/v1/scan/{token}/")
        out(f"  Hazard board  {base}{reverse('mobile-hazard-board')}   (log in as officer)")
        if urlsplit(base).hostname in LOOPBACK_HOSTS:
            port = urlsplit(base).port or 80
            lan = f"http://<this machine's LAN IP>:{port}"
            out(f"                Phones cannot reach 127.0.0.1: set PUBLIC_BASE_URL={lan}")
        out("")
        out(f"Logins (password {DEMO_PASSWORD}):")
        for username, name, _phone, enterprise, role in PEOPLE:
            where = ENTERPRISES[enterprise]["name"] if enterprise else "鄂州市 (read-only)"
            role_label = ROLE_LABELS[role] if role else "regulator 监管人员"
            out(f"  {pad(username, 10)}{pad(name, 26)}{pad(role_label, 36)}{where}")
        out("")
        out(f"QR code of {post.name} (scan it with a phone):")
        out(qr_terminal_text(scan_url))
