from django.contrib.auth.decorators import permission_required
from django.shortcuts import render


@permission_required("jakamo_portal.view_message_history", raise_exception=True)
def message_list(request):
    return render(request, "section.html", {"title": "Messages", "empty_text": "No messages yet."})
