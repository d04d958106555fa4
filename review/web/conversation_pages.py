"""The conversation list, one conversation, and what staff do to it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from starlette.responses import PlainTextResponse, RedirectResponse, Response

from review import audit, export
from review.conversations import (
    TIER_CHOICES,
    Conversation,
    Filters,
    ReviewError,
    add_flag,
    add_note,
    all_matching,
    channels,
    get_conversation,
    list_page,
    mark_reviewed,
)
from review.saved_views import delete_view, save_view, views_of
from review.web.context import Ctx, page

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "yml": "application/x-yaml; charset=utf-8",
}


def download(body: str, kind: str, filename: str) -> Response:
    return Response(
        body,
        media_type=MEDIA[kind],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{kind}"'},
    )


@page()
def conversation_list(ctx: Ctx) -> Response:
    return _list(ctx, Filters.from_query(ctx.query))


def _list(ctx: Ctx, filters: Filters, error: str | None = None) -> Response:
    ctx.refresh_summaries()
    result = list_page(ctx.engine, filters, cursor=ctx.query.get("after"))
    query = filters.to_query()
    assert ctx.user is not None
    return ctx.render(
        "conversations.html",
        status_code=400 if error else 200,
        error=error,
        saved_views=views_of(ctx.engine, ctx.user.username),
        filters=filters,
        page=result,
        channels=channels(ctx.engine),
        tiers=TIER_CHOICES,
        query=query,
        next_url=f"/conversations?{urlencode({**query, 'after': result.next_cursor})}"
        if result.next_cursor
        else None,
        export_query=urlencode(query),
    )


@page()
def view_save(ctx: Ctx) -> Response:
    """Saves the list's current filters (the form's ``query``) under a name."""
    assert ctx.user is not None
    raw = ctx.form.get("query", "")
    try:
        view = save_view(ctx.engine, ctx.user.username, ctx.form.get("name", ""), raw)
    except ReviewError as error:
        return _list(ctx, Filters.from_query(dict(parse_qsl(raw))), error=str(error))
    return RedirectResponse(f"/conversations?{view.query}", status_code=303)


@page()
def view_delete(ctx: Ctx) -> Response:
    assert ctx.user is not None
    if not delete_view(ctx.engine, ctx.user.username, int(ctx.request.path_params["id"])):
        return PlainTextResponse("No such saved view.", 404)
    return RedirectResponse("/conversations", status_code=303)


@page()
def list_export(ctx: Ctx) -> Response:
    kind = ctx.request.path_params["kind"]
    ctx.refresh_summaries()
    filters = Filters.from_query(ctx.query)
    rows = all_matching(ctx.engine, filters)
    ctx.audit(
        audit.EXPORT,
        detail=f"list {kind}: {len(rows)} conversations; filters {urlencode(filters.to_query())}",
    )
    body = export.list_csv(rows) if kind == "csv" else export.list_json(rows)
    return download(body, kind, "conversations")


def _load(ctx: Ctx) -> Conversation | Response:
    conversation = get_conversation(ctx.engine, int(ctx.request.path_params["id"]))
    if conversation is None:
        return PlainTextResponse("No such conversation.", 404)
    return conversation


def _show(
    ctx: Ctx, conversation: Conversation, *, unmasked: bool = False, error: str | None = None
) -> Response:
    return ctx.render(
        "conversation.html",
        status_code=400 if error else 200,
        conversation=conversation,
        summary=conversation.summary,
        unmasked=unmasked,
        error=error,
        passage_label=export.answer_label,
    )


@page()
def conversation_view(ctx: Ctx) -> Response:
    ctx.refresh_summaries()
    found = _load(ctx)
    if not isinstance(found, Conversation):
        return found
    assert ctx.user is not None
    ctx.audit(audit.VIEW, sender_id=found.sender_id)
    return _show(ctx, found)


@page(admin=True)
def conversation_unmask(ctx: Ctx) -> Response:
    found = _load(ctx)
    if not isinstance(found, Conversation):
        return found
    assert ctx.user is not None
    ctx.audit(audit.UNMASK, sender_id=found.sender_id, detail=f"conversation {found.summary.id}")
    return _show(ctx, found, unmasked=True)


def _back(conversation: Conversation) -> Response:
    return RedirectResponse(f"/conversations/{conversation.summary.id}", status_code=303)


@page()
def conversation_flag(ctx: Ctx) -> Response:
    found = _load(ctx)
    if not isinstance(found, Conversation):
        return found
    assert ctx.user is not None
    try:
        event_id = int(ctx.form.get("event_id", ""))
        add_flag(
            ctx.engine,
            found,
            event_id=event_id,
            reason=ctx.form.get("reason", ""),
            username=ctx.user.username,
        )
    except (ValueError, ReviewError) as error:
        return _show(ctx, found, error=str(error) if isinstance(error, ReviewError) else "Choose a message.")
    return _back(found)


@page()
def conversation_note(ctx: Ctx) -> Response:
    found = _load(ctx)
    if not isinstance(found, Conversation):
        return found
    assert ctx.user is not None
    try:
        add_note(ctx.engine, found.summary, body=ctx.form.get("body", ""), username=ctx.user.username)
    except ReviewError as error:
        return _show(ctx, found, error=str(error))
    return _back(found)


@page()
def conversation_reviewed(ctx: Ctx) -> Response:
    found = _load(ctx)
    if not isinstance(found, Conversation):
        return found
    assert ctx.user is not None
    try:
        mark_reviewed(ctx.engine, found.summary, username=ctx.user.username)
    except ReviewError as error:
        return _show(ctx, found, error=str(error))
    return _back(found)


@page()
def conversation_export(ctx: Ctx) -> Response:
    kind = ctx.request.path_params["kind"]
    found = _load(ctx)
    if not isinstance(found, Conversation):
        return found
    assert ctx.user is not None
    ctx.audit(audit.EXPORT, sender_id=found.sender_id, detail=f"conversation {found.summary.id} as {kind}")
    if kind == "csv":
        body = export.conversation_csv(found)
    elif kind == "json":
        body = export.conversation_json(found)
    else:
        body = export.rasa_test_story(found)
    return download(body, kind, f"conversation-{found.summary.id}")
