"""The ``scripts/review`` verbs: serve (default), upgrade, refresh, add-user,
set-password, remove-user, erase, retention."""

from __future__ import annotations

import argparse
import getpass
import sys

from review import migrate, settings
from review.db import engine_for
from review.privacy import apply_retention, erase_sender
from review.summary import refresh
from review.users import ROLES, UserError, add_user, remove_user, set_password

CLI_USER = "cli"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripts/review", description="The staff transcript review tool.")
    verbs = parser.add_subparsers(dest="verb")
    serve = verbs.add_parser("serve", help="run the web app (the default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: $WALKWISE_REVIEW_PORT or 8090")
    verbs.add_parser("upgrade", help="create or upgrade the review tables")
    verbs.add_parser("refresh", help="summarise the conversations stored since the last pass")
    user = verbs.add_parser("add-user", help="add a staff account; the password is read from standard input")
    user.add_argument("name")
    user.add_argument("--role", choices=ROLES, required=True)
    password = verbs.add_parser("set-password", help="change a password (read from standard input)")
    password.add_argument("name")
    remove = verbs.add_parser("remove-user", help="remove a staff account")
    remove.add_argument("name")
    erase = verbs.add_parser("erase", help="delete every stored row of one sender")
    erase.add_argument("sender_id")
    erase.add_argument("--yes", action="store_true", help="confirm (required)")
    retention = verbs.add_parser("retention", help="delete conversations older than N days")
    retention.add_argument("--days", type=float, required=True)
    return parser


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise UserError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = settings.load()
    except settings.SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    engine = engine_for(config.database_url)
    verb = args.verb or "serve"
    if verb == "serve":
        import uvicorn

        from review.web.app import create_app

        port = getattr(args, "port", None) or config.port
        host = getattr(args, "host", "127.0.0.1")
        print(f"WalkWise review on http://localhost:{port}/ (database: {engine.url!r})", flush=True)
        # No websockets: the pages need none, and Rasa pins an old websockets library.
        uvicorn.run(create_app(config, engine), host=host, port=port, log_level="info", ws="none")
        return 0
    migrate.upgrade(engine)
    if verb == "upgrade":
        print(f"review tables at revision {migrate.current(engine)}")
    elif verb == "refresh":
        print(f"read {refresh(engine)} new events")
    elif verb == "add-user":
        try:
            user = add_user(engine, username=args.name, password=_password(), role=args.role)
        except UserError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"added {user.role} {user.username!r}")
    elif verb in ("set-password", "remove-user"):
        try:
            if verb == "set-password":
                set_password(engine, username=args.name, password=_password())
            else:
                remove_user(engine, username=args.name)
        except UserError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"{'changed the password of' if verb == 'set-password' else 'removed'} {args.name!r}")
    elif verb == "erase":
        if not args.yes:
            print("error: erasing cannot be undone; add --yes to confirm", file=sys.stderr)
            return 1
        refresh(engine)
        done = erase_sender(engine, args.sender_id, username=CLI_USER, secret=config.secret)
        print(f"erased {done.events} events and {done.review_rows} review records of that sender")
    elif verb == "retention":
        try:
            count = apply_retention(engine, args.days, username=CLI_USER, secret=config.secret)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"deleted {count} conversations older than {args.days:g} days")
    return 0
