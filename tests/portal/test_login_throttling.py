"""Guessing passwords is throttled: after the limit, even the right password is refused for a while
for that username from that address; other people and other addresses are unaffected."""

from django.urls import reverse


def attempt(client, username, password, address="203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_that_username_from_that_address(client, purchaser, support, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "purchaser", "guess").status_code == 200  # the form again
    locked = attempt(client, "purchaser", "guess")
    assert locked.status_code == 429 and b'id="locked-out"' in locked.content
    assert b"0:15:00" in locked.content
    # The right password no longer helps while the lock lasts …
    assert attempt(client, "purchaser", "pw-for-tests-1").status_code == 429
    # … but another person, and the same person from elsewhere, still sign in.
    assert attempt(client, "support", "pw-for-tests-1").status_code == 302
    assert attempt(client, "purchaser", "pw-for-tests-1", address="198.51.100.2").status_code == 302


def test_a_right_password_resets_the_count(client, purchaser, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "purchaser", "guess")
    assert attempt(client, "purchaser", "pw-for-tests-1").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "purchaser", "guess").status_code == 200


def test_the_lock_ends_after_the_cool_off(client, purchaser, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "purchaser", "guess")
    assert attempt(client, "purchaser", "pw-for-tests-1").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)
    assert attempt(client, "purchaser", "pw-for-tests-1").status_code == 302


def test_the_admin_sign_in_is_throttled_too(client, db, django_user_model, settings):
    django_user_model.objects.create_superuser("boss", password="pw-for-tests-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "boss", "password": "guess"}, REMOTE_ADDR="203.0.113.9")
    response = client.post(
        reverse("admin:login"), {"username": "boss", "password": "pw-for-tests-1"}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 429
