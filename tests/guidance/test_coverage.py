from dataclasses import replace

from guidance.coverage import RETRIEVAL, compute, domain_intents, load_documents
from guidance.parser import parse
from tests.conftest import ROOT, WALKING_DOC, WALKING_SLUG


def test_every_passage_is_reached_and_every_route_resolves(routes):
    coverage = compute(
        load_documents(ROOT / "guidance" / "documents"), routes, domain_intents(ROOT / "domain.yml")
    )
    assert coverage.problems == []
    assert all(coverage.reached_by.values())


def walking_routes(routes):
    return {k: v for k, v in routes.items() if v.document == WALKING_SLUG}


def test_an_unreachable_passage_is_reported(routes):
    trimmed = {k: v for k, v in walking_routes(routes).items() if k != "ask_flare_up"}
    coverage = compute({WALKING_SLUG: parse(WALKING_DOC.read_bytes())}, trimmed)
    assert coverage.problems == [f"passage '{WALKING_SLUG}/note-1' is reached by no intent"]


def test_a_route_to_a_deleted_passage_is_reported(routes):
    edited = parse(
        WALKING_DOC.read_bytes().replace("  7. Disc Nutrition:".encode(), "  7. Spine Food:".encode())
    )
    problems = compute({WALKING_SLUG: edited}, walking_routes(routes)).problems
    assert (
        f"intent 'ask_disc_nutrition' points at passage '{WALKING_SLUG}/disc-nutrition', "
        "which no longer exists" in problems
    )
    assert f"passage '{WALKING_SLUG}/spine-food' is reached by no intent" in problems


def test_a_route_for_an_undeclared_intent_is_reported(routes):
    routes = walking_routes(routes)
    extra = dict(routes, ask_ghost=replace(routes["ask_flare_up"], intent="ask_ghost"))
    problems = compute({WALKING_SLUG: parse(WALKING_DOC.read_bytes())}, extra, set(routes)).problems
    assert problems == ["intent 'ask_ghost' is routed but not declared in the domain"]


def test_every_guidance_question_in_the_domain_has_a_route(routes, domain):
    not_guidance = {"ask_not_covered", "ask_guidance"}
    asked = {i for i in domain["intents"] if isinstance(i, str) and i.startswith("ask_")}
    assert asked - not_guidance == set(routes)


def test_a_document_without_routes_is_answered_by_retrieval(routes):
    desk = ROOT / "tests" / "guidance" / "fixtures" / "desk-sitting-posture.txt"
    documents = {WALKING_SLUG: parse(WALKING_DOC.read_bytes()), "desk": parse(desk.read_bytes())}
    coverage = compute(documents, walking_routes(routes))
    assert coverage.problems == []
    assert coverage.reached_by[("desk", "chair-height")] == [RETRIEVAL]
    assert RETRIEVAL not in coverage.reached_by[(WALKING_SLUG, "note-1")]
