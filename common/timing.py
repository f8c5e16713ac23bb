"""Server-Timing on every answer: the time spent inside Django, as browsers' developer tools and
load tests read it (bench/load.py), apart from the network and the queue in front of gunicorn."""

import time


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response
