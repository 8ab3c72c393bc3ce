"""What the seventh outside probe found, each through the interface it was found on.

- A HEAD request to `/report` ran the view's POST branch: Flask answers HEAD with the GET view, and
  the view took every method but GET for a POST. The body of a HEAD was read, its files inspected
  and its images decoded for their viewing copies, with none of the POST limits (per visitor, the
  ceiling, the proof of work), since those count POSTs only. A HEAD answered 422 with an empty form;
  a flood of HEADs carrying photos spent the minute's budget of image pixels, so that families'
  photos sent meanwhile had their viewing copies deferred. HEAD is now the GET page, body unread.
"""

from __future__ import annotations

import io

from tests.web.public.pages import relative, report_form, text_of
from tests.web.public.test_image_budget import SIDE, photo, send_solved, stored


def test_a_head_of_the_report_form_is_its_get_and_decodes_nothing(app):
    app.config["INTAKE_IMAGE_PIXELS_PER_MINUTE"] = 2 * SIDE * SIDE  # room for two photos a minute
    client = app.test_client()
    with client.get("/report") as page:
        assert page.status_code == 200
    for n in range(3):
        data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept"))
        data["attachments"] = [(io.BytesIO(photo((n * 60, 10, 10))), f"head-{n}.jpg")]
        with client.open("/report", method="HEAD", data=data, content_type="multipart/form-data") as head:
            assert head.status_code == 200, "a HEAD answers what a GET does"
    answer = send_solved(client, [("family.jpg", photo())])
    assert answer.status_code == 200, text_of(answer)
    rows = stored(app)
    assert sorted(rows) == ["family.jpg"]
    assert rows["family.jpg"][3] is not None, "the family's photo lost its viewing copy to HEAD requests"
