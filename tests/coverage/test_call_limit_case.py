"""A number refused by the voice line's call limit appears in the coordinators' queue, with the
number to call back and the counts."""

from literacy.telephony.call_limits import call_limit_alert_open, calls_from_caller


def test_the_case_names_the_number_and_the_counts_in_the_queue(clock, municipality, coordinator_client):
    count = calls_from_caller(municipality=municipality, from_number="090-1234-5678", call_sid="CA1")
    case = call_limit_alert_open(municipality=municipality, count=count)
    queue = coordinator_client.get("/city/?kind=call_limit").content.decode()
    assert "自動音声に電話が多すぎる番号" in queue and f"/city/queue/{case.pk}/" in queue
    assert "+819012345678" in queue
    page = coordinator_client.get(f"/city/queue/{case.pk}/").content.decode()
    assert 'href="tel:+819012345678"' in page and "直近1時間に0件" in page and "上限は1時間に10件" in page


def test_the_withheld_case_says_so_and_offers_no_number(clock, municipality, coordinator_client):
    count = calls_from_caller(municipality=municipality, from_number="anonymous", call_sid="CA1")
    case = call_limit_alert_open(municipality=municipality, count=count)
    page = coordinator_client.get(f"/city/queue/{case.pk}/").content.decode()
    assert "非通知" in page and "tel:" not in page
