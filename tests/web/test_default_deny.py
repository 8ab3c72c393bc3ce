"""Default deny for the whole application: an endpoint whose blueprint registered no access policy
is refused, however it was added; the faces and `static` are served because they say who may."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

from intake.web.access import ANONYMOUS, policy_of


def test_a_blueprint_without_an_access_policy_is_refused(make_app):
    app = make_app("both")
    careless = Blueprint("careless", __name__, url_prefix="/careless")
    careless.add_url_rule("/", "index", lambda: "open to anyone?")
    careless.add_url_rule("/post", "post", lambda: "changed", methods=["POST"])
    app.register_blueprint(careless)

    @app.route("/app-level")
    def app_level() -> str:
        return "open to anyone?"

    client = app.test_client()
    assert client.get("/careless/").status_code == 404
    assert client.post("/careless/post").status_code == 404  # refused before CSRF even looks at it
    assert client.get("/app-level").status_code == 404
    with client.get("/static/site.css") as static:
        assert static.status_code == 200  # static is explicitly anonymous
    assert client.get("/").status_code == 200  # the public face registered an anonymous policy


def test_every_route_of_every_face_is_covered_by_a_policy(make_app):
    for face in ("public", "review", "both"):
        app = make_app(face)
        for rule in app.url_map.iter_rules():
            blueprint = rule.endpoint.rpartition(".")[0] or None
            assert policy_of(app, blueprint, rule.endpoint) is not None, (face, rule.endpoint)
        if face != "review":
            assert policy_of(app, "public", "public.index") == ANONYMOUS


def test_the_review_view_modules_are_imported_explicitly():
    import inspect

    from intake.review import views

    source = inspect.getsource(views)
    assert "find_spec" not in source and "import_module" not in source
    imported = {name.strip() for line in source.splitlines() if line.startswith("from . import ")
                for name in line.removeprefix("from . import ").split("#")[0].split(",")}
    package = Path(views.__file__).parent
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "views"}
    # Every module of the package that declares routes is imported by name, so none can silently vanish.
    routed = {m for m in modules if "@bp." in (package / f"{m}.py").read_text(encoding="utf-8")}
    assert routed and routed <= imported, sorted(routed - imported)
