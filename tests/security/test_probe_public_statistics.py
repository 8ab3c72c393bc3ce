"""What the third outside probe found on the public statistics page, through the web client.

- /statistics drew every chart with matplotlib on every request: about 0.75 s of CPU for one
  anonymous GET (six charts, a 237 KB page), with no limit and nothing cached, so a few requests a
  second kept every worker of the public face busy and families could not send a testimony.
  The charts are now drawn once per published snapshot (by its bytes and the key's).
"""

from __future__ import annotations

import json
import re

from cryptography.hazmat.primitives import serialization

from intake.disclosure import charts
from intake.extensions import db
from intake.keyring import get_vault
from intake.services import statistics
from tests.web.review.test_exports_views import store


def _svgs(client) -> list[str]:  # noqa: ANN001
    return re.findall(r"<svg.*?</svg>", client.get("/statistics").get_data(as_text=True), flags=re.S)


def _publish(app, snapshot) -> None:  # noqa: ANN001
    with app.app_context():
        statistics.publish(db.session, get_vault(), epsilon="0.25", budget="1.0", path=snapshot)


def test_the_charts_are_drawn_once_per_published_snapshot(app, tmp_path, monkeypatch):
    store(app, 30)
    snapshot, key_file = tmp_path / "public-statistics.json", tmp_path / "export-key.pem"
    app.config.update(INTAKE_STATISTICS_SNAPSHOT=str(snapshot), INTAKE_STATISTICS_PUBLIC_KEY=str(key_file))
    with app.app_context():
        _, signer = get_vault().current_export_signer()
        key_file.write_bytes(signer.public_key().public_bytes(serialization.Encoding.PEM,
                                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    _publish(app, snapshot)
    drawn: list[str] = []
    real = charts.bar_chart
    monkeypatch.setattr(charts, "bar_chart", lambda table, **kw: drawn.append(table.title) or real(table, **kw))
    visitor = app.test_client()
    first = _svgs(visitor)
    assert len(first) == 6
    assert [_svgs(app.test_client()) for _ in range(4)] == [first] * 4
    assert len(drawn) == 6, f"{len(drawn)} charts drawn for 5 views of one snapshot"

    _publish(app, snapshot)  # a new publication is shown at once
    second = _svgs(visitor)
    assert len(second) == 6 and second != first and len(drawn) == 12

    document = json.loads(snapshot.read_text(encoding="utf-8"))
    document["tables"][0]["counts"][0] += 1000  # altered after signing: nothing shown, cached or not
    snapshot.write_text(json.dumps(document), encoding="utf-8")
    assert _svgs(visitor) == []
    assert "No statistics have been published yet" in visitor.get("/statistics").get_data(as_text=True)
