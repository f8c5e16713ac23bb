from django.shortcuts import render

from .roles import visible_navigation

BLURBS = {
    "Purchase orders": "Orders sent to suppliers, confirmations to review, goods to receive.",
    "Review": "Supplier confirmations that deviate from the order and wait for your decision.",
    "Sales orders": "Customer orders to confirm and deliver.",
    "Shipments": "Advance shipping notices and expected deliveries.",
    "Integrations": "Jakamo and ShipHero connections, credentials and mappings.",
    "Messages": "Every message in and out, with its raw body and attempts.",
    "Sandbox": "Play the other party in the simulated Jakamo; inject faults.",
}


def home(request):
    sections = [
        {**item, "blurb": BLURBS.get(item["label"], "")}
        for item in visible_navigation(request.user, request.path)
        if item["label"] != "Home"
    ]
    return render(request, "home.html", {"sections": sections})
