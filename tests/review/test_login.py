from __future__ import annotations

from sqlalchemy import select

from review.tables import audit
from tests.review.conftest import ADMIN_PASSWORD, sign_in
from tests.review.pages import form_token, found


def test_every_page_needs_login(anonymous) -> None:
    for path in ["/", "/conversations", "/conversations/1", "/unanswered", "/audit", "/erase"]:
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")


def test_login_form_is_labelled(anonymous) -> None:
    page = anonymous.get("/login").text
    assert '<label for="username">Username</label>' in page
    assert '<label for="password">Password</label>' in page


def test_wrong_name_and_wrong_password_get_the_same_message(anonymous) -> None:
    wrong_password = sign_in(anonymous, "ada", "not-the-password")
    wrong_name = sign_in(anonymous, "nobody", "not-the-password")
    assert wrong_password.status_code == wrong_name.status_code == 401
    message = r'<p class="error" role="alert">(.*?)</p>'
    assert found(message, wrong_password.text) == found(message, wrong_name.text)


def test_repeated_failures_lock_the_username_out(anonymous) -> None:
    for _ in range(5):
        assert sign_in(anonymous, "ada", "wrong-password-x").status_code == 401
    locked = sign_in(anonymous, "ada", ADMIN_PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text


def test_repeated_failures_lock_the_address_out_across_usernames(anonymous) -> None:
    for n in range(5):
        sign_in(anonymous, f"guess{n}", "wrong-password-x")
    assert sign_in(anonymous, "ada", ADMIN_PASSWORD).status_code == 429


def test_post_without_csrf_token_is_refused(anonymous) -> None:
    anonymous.get("/login")
    response = anonymous.post("/login", data={"username": "ada", "password": ADMIN_PASSWORD})
    assert response.status_code == 403


def test_forms_after_login_need_the_token(admin) -> None:
    response = admin.post("/conversations/1/note", data={"body": "x", "csrf_token": "forged"})
    assert response.status_code == 403


def test_login_is_audited_and_logout_ends_the_session(admin, engine) -> None:
    with engine.connect() as connection:
        actions = [row.action for row in connection.execute(select(audit))]
    assert "login" in actions
    token = form_token(admin.get("/").text)
    admin.post("/logout", data={"csrf_token": token})
    assert admin.get("/", follow_redirects=False).status_code == 303


def test_next_cannot_leave_the_site(anonymous) -> None:
    page = anonymous.get("/login?next=//evil.example/x").text
    assert 'name="next" value="/"' in page


def test_reviewer_cannot_reach_admin_pages(reviewer) -> None:
    assert reviewer.get("/audit").status_code == 403
    assert reviewer.get("/erase").status_code == 403


def test_security_headers(admin) -> None:
    response = admin.get("/")
    assert "script-src" not in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_sessions_expire(settings, engine, app) -> None:
    from dataclasses import replace

    from starlette.testclient import TestClient

    app.state.settings = replace(settings, session_hours=0.0)
    with TestClient(app) as client:
        assert sign_in(client, "ada", ADMIN_PASSWORD).status_code == 303
        assert client.get("/", follow_redirects=False).status_code == 303


def test_session_cookie_is_signed_http_only_and_strict(anonymous) -> None:
    cookie = anonymous.get("/login").headers.get("set-cookie", "")
    assert (
        "walkwise_review=" in cookie and "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    )


def test_a_new_password_signs_out_old_sessions(admin, engine) -> None:
    from review.users import set_password

    assert admin.get("/", follow_redirects=False).status_code == 200
    set_password(engine, username="ada", password="a-brand-new-password")
    assert admin.get("/", follow_redirects=False).status_code == 303


def test_a_removed_user_is_signed_out(reviewer, engine) -> None:
    from review.users import remove_user

    remove_user(engine, username="rita")
    assert reviewer.get("/", follow_redirects=False).status_code == 303
