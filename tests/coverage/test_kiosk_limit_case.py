"""A kiosk stopped by its booking limit appears in the coordinators' queue with the device named."""

from literacy.kiosk.limits import kiosk_limit_alert_open
from literacy.kiosk.services import kiosk_activate, kiosk_register


def test_the_case_names_the_kiosk_in_the_queue(clock, venue, coordinator_client):
    _device, code = kiosk_register(venue=venue, name="入口の端末")
    device, _key = kiosk_activate(code=code)
    case = kiosk_limit_alert_open(device=device)
    queue = coordinator_client.get("/city/?kind=kiosk_limit").content.decode()
    assert "予約が多すぎるキオスク端末" in queue and f"/city/queue/{case.pk}/" in queue
    page = coordinator_client.get(f"/city/queue/{case.pk}/").content.decode()
    assert "入口の端末" in page and "八女市中央公民館" in page and "キオスク端末" in page
