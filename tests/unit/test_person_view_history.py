"""The person page reads every link event it needs in one query (`person_view._LINKS`): its reports'
link histories (which their verification checks), the history's batches, whether each can be undone,
and the handles and names they show. Here each of those is held to what the services say when asked
on their own, one batch or one report at a time, after merges, splits, undos and a report moved on;
and a forged or tampered link still keeps a report off the page."""

from __future__ import annotations

from sqlalchemy import select, update

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Person, PersonLinkEvent, Report, User
from intake.services import integrity_states, person_view, persons
from tests.unit.test_persons import world  # noqa: F401


def _separately(s, person_handle: str) -> list[tuple]:
    """The person's batches, newest first, as the services give them one by one: (batch id, moves,
    actor's name, reason, undo problem)."""
    person_id = s.scalar(select(Person.id).where(Person.handle == person_handle))
    mine = select(PersonLinkEvent.batch_id).where(PersonLinkEvent.person_id == person_id)
    batches = s.execute(select(PersonLinkEvent.batch_id, PersonLinkEvent.occurred_at)
                        .where(PersonLinkEvent.batch_id.in_(mine)).distinct()
                        .order_by(PersonLinkEvent.occurred_at.desc())).all()
    out = []
    for batch_id, _when in batches:
        events = list(s.scalars(select(PersonLinkEvent).where(PersonLinkEvent.batch_id == batch_id)))
        report = dict(s.execute(select(Report.id, Report.handle)).all())
        person = dict(s.execute(select(Person.id, Person.handle)).all())
        moves = sorted((report[rid], person.get(before), person.get(after))
                       for rid, (before, after) in persons.batch_effect(events).items())
        actor = s.scalar(select(User.username).where(User.id == events[0].actor_id))
        out.append((batch_id, moves, actor, events[0].reason, persons.undo_problem(s, batch_id)))
    return out


def _shown(view) -> list[tuple]:
    return [(b.batch_id, b.moves, b.actor, b.reason, b.undo_problem) for b in view.history]


def test_the_history_is_what_each_batch_says_on_its_own(world):  # noqa: F811
    app, reviewer, h = world
    with app.app_context():
        s, v = db.session, get_vault()
        merge = persons.merge_persons(s, v, h["pa"], h["pb"], reason="same person", actor=reviewer)
        persons.split_report(s, v, h["a2"], reason="another father", actor=reviewer)
        persons.undo_batch(s, v, merge.batch_id, reason="wrong facility", actor=reviewer)  # merge: already undone
        persons.link_report(s, v, h["c1"], h["pa"], reason="same ID number", actor=reviewer)
        persons.link_report(s, v, h["c1"], h["pc"], reason="not after all", actor=reviewer)  # moved on later
        persons.link_report(s, v, h["b1"], h["pa"], reason="same birth date", actor=reviewer)
        expected = _separately(s, h["pa"])
        view = person_view.view_of(s, v, h["pa"], actor=reviewer)
    problems = [p for *_, p in expected]
    # Every kind of answer is among them: undoable, already undone, a report moved on later.
    assert None in problems and persons.ALREADY_UNDONE in problems
    assert any(p is not None and p != persons.ALREADY_UNDONE for p in problems)
    assert len(expected) == 8
    assert _shown(view) == expected
    assert {r.handle for r in view.reports} == {h["a1"], h["b1"]} and view.unverified == []


def test_a_tampered_or_forged_link_keeps_the_report_off_the_person_page(world):  # noqa: F811
    app, reviewer, h = world
    with app.app_context():
        s, v = db.session, get_vault()
        persons.merge_persons(s, v, h["pa"], h["pb"], reason="same person", actor=reviewer)
        pa_id = s.scalar(select(Person.id).where(Person.handle == h["pa"]))
        b1_id, c1_id = (s.scalar(select(Report.id).where(Report.handle == h[k])) for k in ("b1", "c1"))
        # b1's merge event rewritten (its seal no longer matches); c1's row pointed at pa (no event).
        s.execute(update(PersonLinkEvent).where(PersonLinkEvent.report_id == b1_id,
                                                PersonLinkEvent.person_id == pa_id).values(score=0.99))
        s.execute(update(Report).where(Report.id == c1_id).values(person_id=pa_id))
        s.commit()
        alone = integrity_states.report_states(s, v, [b1_id, c1_id])
        view = person_view.view_of(s, v, h["pa"], actor=reviewer)
    assert {r.handle for r in view.reports} == {h["a1"], h["a2"]}
    assert dict(view.unverified) == {h["b1"]: f"{alone[b1_id].verdict}: {alone[b1_id].problem}",
                                     h["c1"]: f"{alone[c1_id].verdict}: {alone[c1_id].problem}"}
    assert "link events failed verification" in alone[b1_id].problem
