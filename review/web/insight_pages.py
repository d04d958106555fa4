"""The dashboard and the unanswered questions."""

from __future__ import annotations

import datetime as dt

from starlette.responses import PlainTextResponse, Response

from review import audit, charts, dashboard, unanswered
from review.masking import mask
from review.web.context import Ctx, page
from review.web.conversation_pages import download

DEFAULT_DAYS = 30
MAX_DAYS = 366
GROUPS_SHOWN = 100


def period_of(query: dict[str, str]) -> dashboard.Period:
    default = dashboard.Period.last_days(DEFAULT_DAYS)
    try:
        start = dt.date.fromisoformat(query["from"]) if query.get("from") else default.start
        end = dt.date.fromisoformat(query["to"]) if query.get("to") else default.end
    except ValueError:
        return default
    if end < start:
        start, end = end, start
    if (end - start).days >= MAX_DAYS:
        start = end - dt.timedelta(days=MAX_DAYS - 1)
    return dashboard.Period(start=start, end=end)


@page()
def dashboard_page(ctx: Ctx) -> Response:
    ctx.refresh_summaries()
    period = period_of(ctx.query)
    figures = dashboard.build(ctx.engine, period)
    days = period.days
    return ctx.render(
        "dashboard.html",
        period=period,
        figures=figures,
        days=days,
        conversations_chart=charts.stacked_by_day(figures.conversations_per_day, days),
        messages_chart=charts.stacked_by_day(figures.messages_per_day, days),
        outcomes_chart=charts.horizontal(figures.outcomes, total=figures.messages),
        intents_chart=charts.horizontal(figures.top_intents),
        unanswered=[(mask(text), count) for text, count in figures.top_unanswered],
    )


@page()
def unanswered_page(ctx: Ctx) -> Response:
    ctx.refresh_summaries()
    period = period_of(ctx.query)
    groups = unanswered.group(unanswered.collect(ctx.engine, period))
    return ctx.render(
        "unanswered.html",
        period=period,
        groups=groups[:GROUPS_SHOWN],
        hidden=max(0, len(groups) - GROUPS_SHOWN),
    )


@page()
def unanswered_export(ctx: Ctx) -> Response:
    period = period_of(ctx.query)
    group_id = int(ctx.request.path_params["group"])
    groups = unanswered.group(unanswered.collect(ctx.engine, period))
    chosen = next((g for g in groups if g.id == group_id), None)
    if chosen is None:
        return PlainTextResponse("That group is no longer there; reload the page.", 404)
    assert ctx.user is not None
    ctx.audit(audit.EXPORT, detail=f"unanswered group {group_id} as NLU examples ({chosen.count} messages)")
    examples = [mask(text) for text, _ in chosen.distinct()]
    body = unanswered.nlu_yaml(examples, intent=ctx.query.get("intent", "new_intent"))
    return download(body, "yml", f"unanswered-{group_id}-nlu")
