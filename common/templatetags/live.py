"""``{% live %}…{% endlive %}``: the region of a page that updates itself (see common/live.py)."""

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from common import live as live_pages

register = template.Library()


class LiveNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        inner = self.nodelist.render(context)
        request = context.get("request")
        version = live_pages.version(inner)
        if request is not None:
            request.live_version = version
        now = timezone.localtime()
        # hx-select takes the same region from the answer; outerHTML brings its new version along.
        # static/js/live.js sends the version and the stamp with each poll.
        # The scripts come with the region, so pages without one load none; hx-select swaps the
        # region only, never these.
        return format_html(
            '<script src="{live_js}" defer></script><script src="{htmx}" defer></script>'
            '<div id="live" class="live" data-live-version="{version}" data-live-stamp="{stamp}" hx-get="{url}" '
            'hx-trigger="every {seconds}s [window.portalLive &amp;&amp; portalLive.idle()]" hx-select="#live" '
            'hx-swap="outerHTML"><p class="live-mark">{label} <time datetime="{iso}">{clock}</time></p>{inner}</div>',
            htmx=static("vendor/htmx/htmx.min.js"),
            live_js=static("js/live.js"),
            version=version,
            stamp=getattr(request, "live_stamp", ""),
            url=request.get_full_path() if request is not None else "",
            seconds=live_pages.POLL_SECONDS,
            label=_("updated"),
            iso=now.isoformat(timespec="seconds"),
            clock=now.strftime("%H:%M:%S"),
            inner=mark_safe(inner),
        )


@register.tag
def live(parser, token):
    nodelist = parser.parse(("endlive",))
    parser.delete_first_token()
    return LiveNode(nodelist)
