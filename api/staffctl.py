"""Staff accounts from the command line (the first admin of a new deployment has no console yet).

    python -m api.staffctl create --username alice --role operator --name 张三 [--department rsj] [--team 一中队]

The password is read from standard input (or asked for on a terminal), never from arguments.
"""

import argparse
import asyncio
import getpass
import sys

from config import ConfigError, Settings
from models import db as dbmod
from models import setup, staff
from models.errors import AppError


async def create(db, args, password: str) -> dict:
    await setup.ensure_indexes(db)
    return await staff.create_staff(db, username=args.username, password_hash=staff.hash_password(password),
                                    role=args.role, display_name=args.name, department=args.department,
                                    team=args.team)


async def _run(settings, args, password: str) -> None:
    db = dbmod.connect(settings.mongodb_uri, settings.mongodb_db)
    try:
        await create(db, args, password)
    finally:
        await db.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.staffctl")
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("create", help="create a staff account")
    new.add_argument("--username", required=True)
    new.add_argument("--role", required=True, choices=staff.ROLES)
    new.add_argument("--name", required=True, help="display name")
    new.add_argument("--department", default=None, help="required for processors, e.g. rsj")
    new.add_argument("--team", default=None, help="required for inspectors and supervisors, e.g. 一中队")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if not settings.mongodb_uri:
        print("MONGODB_URI is not set: point it at the deployment's MongoDB (`make run`: "
              "mongodb://127.0.0.1:8003/?directConnection=true)", file=sys.stderr)
        return 2
    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(password) < 10:
        print("the password must have at least 10 characters", file=sys.stderr)
        return 2
    try:
        asyncio.run(_run(settings, args, password))
    except AppError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 1
    print(f"created {args.role} {args.username}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
