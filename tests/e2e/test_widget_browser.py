import re

from playwright.sync_api import expect

from tests.helpers.answers import DISCLAIMER, passage_text

LABEL = "Your question about walking and back pain"


def open_widget(page):
    page.get_by_role("button", name="Ask WalkWise").click()
    expect(page.locator(".ww-status")).to_be_empty(timeout=20_000)


def ask(page, text):
    page.get_by_label(LABEL).fill(text)
    page.get_by_label(LABEL).press("Enter")


def bot_messages(page):
    return page.locator(".ww-msg[data-from=bot]")


def test_a_question_gets_the_passage_and_the_disclaimer(page, artifacts):
    open_widget(page)
    expect(page.locator(".ww-disclaimer")).to_be_visible()
    ask(page, "what shoes should I wear for walking?")
    answer = bot_messages(page).last
    expect(answer).to_contain_text("Consider wearing supportive shoes", timeout=30_000)
    text = " ".join(answer.inner_text().replace("’", "'").split())
    assert passage_text("note-2") in text and DISCLAIMER.replace("’", "'") in text
    expect(page.locator(".ww-typing")).to_be_empty()
    page.screenshot(path=str(artifacts / "widget-conversation.png"))


def test_the_list_structure_and_emphasis_are_rendered(page):
    open_widget(page)
    ask(page, "how does walking help my back")
    answer = bot_messages(page).last
    expect(answer.locator("ol li")).to_have_count(7, timeout=30_000)
    expect(answer.locator("ol li strong").first).to_have_text("Strengthening Muscles")


def test_a_quick_reply_is_usable_until_the_next_message(page):
    open_widget(page)
    ask(page, "does walking help lower back pain?")
    reply = page.locator(".ww-reply", has_text="Should I walk during a flare-up?")
    expect(reply).to_be_visible(timeout=30_000)
    reply.click()
    expect(page.locator(".ww-msg[data-from=user]").last).to_have_text("Should I walk during a flare-up?")
    expect(bot_messages(page).last).to_contain_text("rest for a day or two", timeout=30_000)
    ask(page, "thanks")
    expect(page.locator(".ww-reply", has_text="Should I walk during a flare-up?")).to_have_count(0)


def test_the_conversation_survives_a_reload(page):
    open_widget(page)
    ask(page, "should i walk during a flare up")
    expect(bot_messages(page).last).to_contain_text("rest for a day or two", timeout=30_000)
    session = page.evaluate("() => Object.entries(localStorage).find(([k]) => k.endsWith(':session'))[1]")
    count = page.locator(".ww-msg").count()
    page.reload()
    expect(page.locator(".ww-msg")).to_have_count(count)
    expect(page.locator(".ww-status")).to_be_empty(timeout=20_000)
    assert (
        page.evaluate("() => Object.entries(localStorage).find(([k]) => k.endsWith(':session'))[1]")
        == session
    )
    ask(page, "thanks")
    expect(bot_messages(page).last).to_contain_text("You're welcome", timeout=30_000)


def test_markup_in_a_message_is_shown_as_text(page):
    open_widget(page)
    attack = "<img src=x onerror=alert(1)>"
    ask(page, attack)
    expect(page.locator(".ww-msg[data-from=user]").last).to_have_text(attack)
    expect(bot_messages(page).nth(1)).to_be_visible(timeout=30_000)
    assert page.locator(".ww-log img").count() == 0
    assert page.dialogs == []


def test_guidance_links_open_safely(page):
    open_widget(page)
    ask(page, "what are red flags?")
    link = bot_messages(page).last.locator("a").first
    expect(link).to_be_visible(timeout=30_000)
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href").startswith("https://")


def test_keyboard_only(page):
    page.keyboard.press("Tab")
    launcher = page.get_by_role("button", name="Ask WalkWise")
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    field = page.get_by_label(LABEL)
    expect(field).to_be_focused()
    expect(page.locator(".ww-status")).to_be_empty(timeout=20_000)
    page.keyboard.type("does walking help lower back pain")
    page.keyboard.press("Enter")
    expect(page.locator(".ww-reply").first).to_be_visible(timeout=30_000)
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => document.activeElement.classList.contains('ww-reply')"):
            break
    focused = page.evaluate("() => document.activeElement.textContent")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page.locator(".ww-msg[data-from=user]").last).to_have_text(focused)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()


def contrast(rgb_a, rgb_b):
    def luminance(rgb):
        channels = []
        for value in rgb:
            c = value / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    light, dark = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def colours(page, selector):
    pair = page.evaluate(
        "(s) => { const e = document.querySelector(s); const c = getComputedStyle(e); "
        "return [c.color, c.backgroundColor]; }",
        selector,
    )
    return [tuple(int(v) for v in re.findall(r"\d+", value)[:3]) for value in pair]


def test_accessibility_basics(page):
    open_widget(page)
    assert page.locator(".ww-log").get_attribute("aria-live") == "polite"
    assert page.get_by_label(LABEL).count() == 1
    ask(page, "hello")
    expect(bot_messages(page).nth(1)).to_be_visible(timeout=30_000)
    for selector in (".ww-header", ".ww-disclaimer", ".ww-msg[data-from=user]", ".ww-send", ".ww-reply"):
        foreground, background = colours(page, selector)
        assert contrast(foreground, background) >= 4.5, selector


def test_it_fits_a_phone_screen(browser, site):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site)
    page.get_by_role("button", name="Ask WalkWise").click()
    box = page.get_by_role("dialog").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667
    expect(page.get_by_label(LABEL)).to_be_in_viewport()
    context.close()


def test_the_server_stopped_and_restarted_while_the_page_is_open(page, stack):
    open_widget(page)
    stack.stop("rasa")
    try:
        expect(page.locator(".ww-status")).to_contain_text("Reconnecting", timeout=20_000)
        expect(page.locator(".ww-send")).to_be_disabled()
    finally:
        stack.start_rasa()
    expect(page.locator(".ww-status")).to_be_empty(timeout=30_000)
    ask(page, "should i walk during a flare up")
    expect(bot_messages(page).last).to_contain_text("rest for a day or two", timeout=30_000)
